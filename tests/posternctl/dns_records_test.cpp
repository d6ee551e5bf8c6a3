// posternctl dns-records run as an admin would: the DKIM record of each key, suggested SPF and
// DMARC records for every domain the config makes ours (signing domains and [sender]
// local_domains), --ip and --rua shaping them, and with --dns a "; published:" verdict per record
// from a test DNS server (matching, missing, differing, duplicated, failing) plus SPF evaluated for
// each --ip address.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/dkim/private_key.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tests/posternctl/ctl_run.h"

namespace postern {
namespace {

using test::DnsBehavior;
using test::TempDir;
using test::TestDnsServer;

using test::comments_after;
using test::ctl;
using test::has;

class DnsRecords : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pem = generate_dkim_private_key_pem(DkimKeyType::ed25519, 0);
    ASSERT_TRUE(pem.ok());
    key_file_ = dir_.write("k.key", *pem).string();
    auto key = parse_dkim_private_key(*pem);
    ASSERT_TRUE(key.ok());
    dkim_record_ = key->dns_record();
    auto other = parse_dkim_private_key(*generate_dkim_private_key_pem(DkimKeyType::ed25519, 0));
    other_record_ = other->dns_record();
    conf_ = dir_.write("postern.conf",
                       "[sender]\nlocal_domains = [\"Example.NET\", \"example.org\"]\n"
                       "[[dkim.key]]\ndomain = \"example.org\"\nselector = \"s1\"\nkey_file = \"" +
                           key_file_ + "\"\n")
                .string();
  }
  TempDir dir_{"ctl-dns-records"};
  std::string key_file_, conf_, dkim_record_, other_record_;
};

TEST_F(DnsRecords, SuggestsSpfAndDmarcForEveryDomainOfOurs) {
  auto r = ctl({"-c", conf_, "dns-records"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, dkim_zone_line("s1", "example.org", dkim_record_))) << r.output;
  EXPECT_TRUE(has(r.output, "suggestions to review")) << r.output;
  for (std::string d : {"example.net", "example.org"}) {
    EXPECT_TRUE(has(r.output, "\n" + d + ". IN TXT \"v=spf1 mx -all\"\n")) << r.output;
    EXPECT_TRUE(
        has(r.output, "\n_dmarc." + d + ". IN TXT \"v=DMARC1; p=none; rua=mailto:postmaster@" + d + "\"\n"))
        << r.output;
  }
  EXPECT_LT(r.output.find("; example.net\n"), r.output.find("; example.org\n")) << "sorted, once each";
  EXPECT_EQ(r.output.find("; example.org\n"), r.output.rfind("; example.org\n"));
  EXPECT_TRUE(has(r.output, "move to\n; p=quarantine and then p=reject")) << r.output;
  EXPECT_FALSE(has(r.output, "published")) << "no DNS without --dns or --check";
  EXPECT_FALSE(has(r.output, "another domain")) << r.output;
}

TEST_F(DnsRecords, OutgoingAddressesAndReportAddressShapeTheRecords) {
  auto r = ctl({"-c", conf_, "dns-records", "--ip", "192.0.2.25", "--ip", "2001:db8:5::/48", "--rua",
                "mailto:dmarc@reports.example.com"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "\nexample.org. IN TXT \"v=spf1 ip4:192.0.2.25 ip6:2001:db8:5::/48 mx -all\"\n"))
      << r.output;
  EXPECT_TRUE(has(
      r.output, "\n_dmarc.example.net. IN TXT \"v=DMARC1; p=none; rua=mailto:dmarc@reports.example.com\"\n"))
      << r.output;
  EXPECT_TRUE(has(r.output, "; example.net._report._dmarc.reports.example.com. IN TXT \"v=DMARC1\"\n"))
      << r.output;
}

TEST_F(DnsRecords, BadArgumentsAreUsageErrors) {
  for (auto args : std::vector<std::vector<std::string>>{{"--ip", "192.0.2.300"},
                                                         {"--ip"},
                                                         {"--rua", "no-at-sign"},
                                                         {"--rua", "a@b;p=reject"},
                                                         {"--frob"}}) {
    args.insert(args.begin(), {"-c", conf_, "dns-records"});
    auto r = ctl(args);
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_TRUE(has(r.output, "usage: posternctl dns-records")) << r.output;
  }
}

TEST_F(DnsRecords, NoDomainsNoSuggestions) {
  auto conf = dir_.write("empty.conf", "[log]\nlevel = \"info\"\n");
  auto r = ctl({"-c", conf.string(), "dns-records"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(r.output, "no SPF or DMARC records to suggest")) << r.output;
  EXPECT_FALSE(has(r.output, "v=spf1")) << r.output;
}

TEST_F(DnsRecords, PublishedRecordsAreComparedWithTheDns) {
  TestDnsServer dns;
  // example.org: the DKIM key and the SPF record as suggested (spacing and case aside), a stricter
  // DMARC record than suggested.
  // Published with white space inside the key, as split records often are: still our key.
  std::string spaced = dkim_record_;
  spaced.insert(spaced.size() - 10, " \t");
  dns.add_txt("s1._domainkey.example.org", spaced);
  dns.add("example.org", "TXT", "\"V=SPF1  ip4:192.0.2.25 ip4:198.51.100.7   MX -all\"");
  dns.add("example.org", "TXT", "\"google-site-verification=abc\"");
  dns.add("example.org", "MX", "10 mx.example.org.");
  dns.add("mx.example.org", "A", "192.0.2.30");
  dns.add("_dmarc.example.org", "TXT", "\"v=DMARC1; p=reject\"");
  // example.net: two SPF records, a DMARC record with the suggested text.
  dns.add("example.net", "TXT", "\"v=spf1 -all\"");
  dns.add("example.net", "TXT", "\"v=spf1 mx -all\"");
  dns.add("_dmarc.example.net", "TXT", "\"v=DMARC1; p=none; rua=mailto:postmaster@example.net\"");
  auto r =
      ctl({"-c", conf_, "--dns", dns.address(), "dns-records", "--ip", "192.0.2.25", "--ip", "198.51.100.7"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(comments_after(r.output, "s1._domainkey.example.org.").rfind("; published: matches\n", 0), 0u)
      << r.output;
  EXPECT_EQ(
      comments_after(r.output, "example.org. IN TXT \"v=spf1"),
      "; published: matches\n"
      "; published SPF for 192.0.2.25: pass\n"
      "; published SPF for 198.51.100.7: pass\n"
      "; DMARC: p=none only asks for reports (to postmaster@example.org); once they show all your mail "
      "passing, move to\n; p=quarantine and then p=reject so receivers refuse mail forged in your name\n")
      << r.output;
  // The transport-security sections follow the last domain's DMARC record: compare its start.
  EXPECT_EQ(
      comments_after(r.output, "_dmarc.example.org. IN TXT")
          .rfind("; published: differs: \"v=DMARC1; p=reject\"\n; published policy p=reject, no rua (no "
                 "reports)\n;\n",
                 0),
      0u)
      << r.output;
  EXPECT_TRUE(has(comments_after(r.output, "example.net. IN TXT \"v=spf1"),
                  "; published: 2 v=spf1 records: receivers give permerror, keep one\n"))
      << r.output;
  EXPECT_FALSE(has(r.output, "published SPF for 192.0.2.25: permerror")) << "not evaluated when ambiguous";
  EXPECT_EQ(comments_after(r.output, "_dmarc.example.net. IN TXT").rfind("; published: matches\n", 0), 0u)
      << r.output;
}

TEST_F(DnsRecords, MissingDifferingAndFailingLookupsAreSaid) {
  TestDnsServer dns;
  dns.add_txt("s1._domainkey.example.org", other_record_);
  dns.add("example.org", "TXT", "\"v=spf1 -all\"");
  dns.set_behavior("_dmarc.example.org", DnsBehavior::servfail);
  dns.add("example.net", "TXT", "\"v=spf10 nothing\"");
  auto r = ctl({"-c", conf_, "--dns", dns.address(), "dns-records", "--ip", "192.0.2.25"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(has(comments_after(r.output, "s1._domainkey.example.org."),
                  "; published: differs (another public key)"))
      << r.output;
  EXPECT_TRUE(has(comments_after(r.output, "example.org. IN TXT \"v=spf1"),
                  "; published: differs: \"v=spf1 -all\"\n"
                  "; published SPF for 192.0.2.25: fail (mail from this address would not pass)\n"))
      << r.output;
  EXPECT_TRUE(
      has(comments_after(r.output, "_dmarc.example.org. IN TXT"), "; published: lookup failed (servfail"))
      << r.output;
  EXPECT_TRUE(has(comments_after(r.output, "example.net. IN TXT \"v=spf1"),
                  "; published: missing (no v=spf1 TXT record)\n"))
      << r.output;
  EXPECT_TRUE(has(comments_after(r.output, "_dmarc.example.net. IN TXT"), "; published: missing"))
      << r.output;
}

TEST_F(DnsRecords, CheckUsesTheConfiguredServers) {
  TestDnsServer dns;
  dns.add("_dmarc.example.org", "TXT", "\"v=DMARC1; p=none; rua=mailto:postmaster@example.org\"");
  auto conf = dir_.write("dns.conf", "[dns]\nservers = [\"" + dns.address() +
                                         "\"]\n[sender]\nlocal_domains = [\"example.org\"]\n");
  auto r = ctl({"-c", conf.string(), "dns-records", "--check"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(comments_after(r.output, "_dmarc.example.org. IN TXT").rfind("; published: matches\n", 0), 0u)
      << r.output;
  EXPECT_TRUE(has(comments_after(r.output, "example.org. IN TXT \"v=spf1"), "; published: missing"))
      << r.output;
  EXPECT_GT(dns.total_queries(), 0);
}

}  // namespace
}  // namespace postern
