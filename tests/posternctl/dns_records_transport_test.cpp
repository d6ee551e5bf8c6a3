// posternctl dns-records --check for the transport-security records, against real peers:
//  - MTA-STS: the policy fetched from a real HTTPS server (TestHttpsServer, certificate from a test
//    CA made here and trusted with --mta-sts-ca): good policy, redirect, oversized body, wrong
//    content type, expired certificate, untrusted CA, a policy that does not cover an MX, and a
//    policy changed without a new id (the last seen pair kept in the LMDB store); TLS-RPT and null
//    MX records as published.
//  - DANE: a real validating resolver (unbound) in front of the test DNS server, zones signed here
//    with ldns-signzone: a valid signature gives AD and the records are compared with the key on
//    disk and the key a real Postfix serves after STARTTLS; the certificate renewed with a new key
//    without touching DNS makes the record stale; expired signatures are SERVFAIL from unbound,
//    reported as a lookup failure; an unsigned zone has no AD, which is a DANE error.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/harness/dns_server.h"
#include "tests/harness/https_server.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tests/harness/test_cert.h"
#include "tests/harness/unbound_instance.h"
#include "tests/posternctl/ctl_run.h"
#include "tests/posternctl/transport_fixture.h"
#include "tools/posternctl/transport/mta_sts_policy.h"
#include "tools/posternctl/transport/tlsa.h"

namespace postern {
namespace {

using test::comments_after;
using test::ctl;
using test::has;
using test::issue;
using test::policy_text;
using test::TempDir;
using test::TestCa;
using test::TestDnsServer;
using test::TestHttpsServer;
using test::zone;

const std::string kPolicyUrl = "https://mta-sts.example.org/.well-known/mta-sts.txt";
const std::string kServeFix =
    "serve the policy at " + kPolicyUrl +
    " with status 200, Content-Type text/plain and a certificate for mta-sts.example.org";
// The error for a policy that could not be fetched while a record announces one.
std::string fetch_failed(const std::string& why) {
  return "; error: " + kPolicyUrl + ": lookup failed (\"" + why + "\"); fix: " + kServeFix + "\n";
}

class MtaSts : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cert = issue(ca_, {"mta-sts.example.org"});
    cert_ = dir_.write("sts.pem", cert.cert_pem).string();
    key_ = dir_.write("sts.key", cert.key_pem).string();
    ca_file_ = dir_.write("ca.pem", ca_.cert_pem()).string();
    conf_ =
        dir_.write("postern.conf", "[sender]\nlocal_domains = [\"example.org\"]\n[store]\nlmdb_path = \"" +
                                       (dir_ / "state").string() + "\"\n")
            .string();
    std::filesystem::create_directories(dir_ / "state");
    dns_.add("example.org", "MX", "10 mx.example.org.");
    dns_.add("mx.example.org", "A", "127.0.0.1");
    good_ = policy_text({"mx.example.org"});
    dns_.add_txt("_mta-sts.example.org", "v=STSv1; id=" + ctl::mta_sts_policy_id(good_));
    dns_.add_txt("_smtp._tls.example.org", "v=TLSRPTv1; rua=mailto:postmaster@example.org");
  }
  test::CommandResult check(TestHttpsServer& https, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-c",
                                     conf_,
                                     "--dns",
                                     dns_.address(),
                                     "dns-records",
                                     "--mx-host",
                                     "mx.example.org",
                                     "--tls-cert",
                                     cert_,
                                     "--smtp-connect",
                                     "127.0.0.1:1",
                                     "--mta-sts-ca",
                                     ca_file_,
                                     "--mta-sts-connect",
                                     https.address()};
    args.insert(args.end(), extra.begin(), extra.end());
    return ctl(args);
  }
  std::string sts(const std::string& out) { return comments_after(out, "_mta-sts.example.org. IN TXT"); }

  TempDir dir_{"ctl-mta-sts"};
  TestCa ca_;
  TestDnsServer dns_;
  std::string cert_, key_, ca_file_, conf_, good_;
};

TEST_F(MtaSts, GoodPolicyIsFetchedWithValidationAndCoversEveryMx) {
  TestHttpsServer https(cert_, key_);
  https.set_body(good_);
  auto r = check(https);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(
      has(r.output, "\n_mta-sts.example.org. IN TXT \"v=STSv1; id=" + ctl::mta_sts_policy_id(good_) + "\"\n"))
      << r.output;
  std::string s = sts(r.output);
  EXPECT_TRUE(has(s, "; _mta-sts.example.org: matches the record above\n")) << s;
  EXPECT_TRUE(has(s, "; " + kPolicyUrl + ": matches the policy above (mode testing, max_age 86400, 1 mx)\n"))
      << s;
  EXPECT_TRUE(has(s, "; MX of example.org: every MX is covered by the policy\n")) << s;
  EXPECT_TRUE(
      has(s, "; note: " + kPolicyUrl +
                 ": mode testing: failures are reported (TLS-RPT), mail still flows; fix: enforce once "
                 "reports are clean\n"))
      << s;
  EXPECT_FALSE(has(s, "error")) << s;
  EXPECT_EQ(https.requests(), 1);
  EXPECT_EQ(
      https.last_request().rfind("GET /.well-known/mta-sts.txt HTTP/1.0\r\nHost: mta-sts.example.org\r\n", 0),
      0u)
      << https.last_request();
  EXPECT_EQ(comments_after(
                r.output, "_smtp._tls.example.org. IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@example.org\""),
            "; _smtp._tls.example.org: matches the record above\n")
      << r.output;
}

TEST_F(MtaSts, RedirectWrongTypeAndOversizeAreErrors) {
  TestHttpsServer https(cert_, key_);
  https.set_response(
      "HTTP/1.1 301 Moved Permanently\r\nLocation: https://www.example.org/mta-sts.txt\r\n"
      "Content-Length: 0\r\n\r\n");
  auto r = check(https);
  EXPECT_TRUE(has(sts(r.output),
                  "; error: " + kPolicyUrl +
                      ": HTTP 301 redirect to https://www.example.org/mta-sts.txt: senders do not follow "
                      "redirects (RFC 8461 3.3); fix: " +
                      kServeFix + "\n"))
      << r.output;
  EXPECT_EQ(https.requests(), 1) << "the redirect is not followed";

  https.set_body(good_, "text/html");
  r = check(https);
  EXPECT_TRUE(
      has(sts(r.output), "; error: " + kPolicyUrl +
                             ": Content-Type text/html (senders need text/plain, RFC 8461 3.2); fix: serve "
                             "mta-sts.txt as text/plain\n"))
      << r.output;

  std::string big = good_ + std::string(ctl::kMaxMtaStsPolicyBytes, '#');
  https.set_body(big);
  r = check(https);
  EXPECT_TRUE(has(sts(r.output), fetch_failed("body larger than 65536 bytes"))) << r.output;
  // The same without Content-Length: the cap holds while reading.
  https.set_response("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + big);
  r = check(https);
  EXPECT_TRUE(has(sts(r.output), fetch_failed("body larger than 65536 bytes"))) << r.output;
}

TEST_F(MtaSts, CertificateProblemsAreLookupFailures) {
  auto expired = issue(ca_, {"mta-sts.example.org"}, -10 * 86400, -86400);
  auto ecert = dir_.write("expired.pem", expired.cert_pem).string();
  auto ekey = dir_.write("expired.key", expired.key_pem).string();
  {
    TestHttpsServer https(ecert, ekey);
    https.set_body(good_);
    auto r = check(https);
    EXPECT_TRUE(has(sts(r.output), fetch_failed("certificate: certificate has expired"))) << r.output;
    EXPECT_EQ(https.requests(), 0);
  }
  auto other = issue(ca_, {"www.example.org"});
  auto ocert = dir_.write("other.pem", other.cert_pem).string();
  auto okey = dir_.write("other.key", other.key_pem).string();
  {
    TestHttpsServer https(ocert, okey);
    https.set_body(good_);
    auto r = check(https);
    EXPECT_TRUE(has(sts(r.output), fetch_failed("certificate: hostname mismatch"))) << r.output;
  }
  {
    // Not told to trust the test CA: the system's roots do not know it.
    TestHttpsServer https(cert_, key_);
    https.set_body(good_);
    auto r =
        ctl({"-c", conf_, "--dns", dns_.address(), "dns-records", "--mx-host", "mx.example.org", "--tls-cert",
             cert_, "--smtp-connect", "127.0.0.1:1", "--mta-sts-connect", https.address()});
    EXPECT_TRUE(has(sts(r.output), fetch_failed("certificate: unable to get local issuer certificate")))
        << r.output;
  }
}

TEST_F(MtaSts, PolicyNotCoveringAnMxIsAnError) {
  dns_.add("example.org", "MX", "20 backup.example.net.");
  TestHttpsServer https(cert_, key_);
  std::string enforce = policy_text({"mx.example.org"}, ctl::MtaStsMode::enforce, 3600);
  https.set_body(enforce);
  auto r = check(https);
  std::string s = sts(r.output);
  EXPECT_TRUE(
      has(s, "; " + kPolicyUrl + ": differs from the policy above (mode enforce, max_age 3600, 1 mx)\n"))
      << s;
  EXPECT_TRUE(
      has(s,
          "; error: MX backup.example.net of example.org: not covered by any mx: line of the policy: senders "
          "do not deliver to it; fix: add \"mx: backup.example.net\" to the policy and publish a new id\n"))
      << s;
  EXPECT_FALSE(has(s, "every MX")) << s;
  EXPECT_TRUE(has(s, "; warning: " + kPolicyUrl + ": max_age 3600 is under a day")) << s;
  EXPECT_TRUE(has(s, "; _mta-sts.example.org: matches the record above\n"))
      << "the TXT record is the suggested one: " << s;
}

TEST_F(MtaSts, PolicyChangedWithoutNewIdIsCaughtFromTheStore) {
  TestHttpsServer https(cert_, key_);
  https.set_body(good_);
  auto first = check(https);
  EXPECT_FALSE(has(sts(first.output), "error")) << first.output;
  https.set_body(policy_text({"mx.example.org", "mx2.example.org"}));  // same TXT id
  auto second = check(https);
  EXPECT_TRUE(
      has(sts(second.output),
          "; error: _mta-sts.example.org: the policy changed since it was last seen but the id (" +
              ctl::mta_sts_policy_id(good_) +
              ") did not: senders keep their cached policy until max_age runs out; fix: publish a new "
              "id (posternctl dns-records derives one from the policy)\n"))
      << second.output;
  // A new id for the new policy: fine, and remembered.
  dns_.remove("_mta-sts.example.org");
  dns_.add_txt("_mta-sts.example.org", "v=STSv1; id=second1");
  auto third = check(https);
  EXPECT_FALSE(has(sts(third.output), "error")) << third.output;
  EXPECT_TRUE(has(sts(third.output), "; _mta-sts.example.org: id second1 (another policy)\n"))
      << third.output;
  // The id changed without a change of policy: harmless, said as a note.
  dns_.remove("_mta-sts.example.org");
  dns_.add_txt("_mta-sts.example.org", "v=STSv1; id=third1");
  auto fourth = check(https);
  EXPECT_TRUE(has(sts(fourth.output),
                  "; note: _mta-sts.example.org: the id changed (second1 -> third1) but the policy did not: "
                  "harmless, senders fetch it again\n"))
      << fourth.output;
}

TEST_F(MtaSts, MissingDuplicateAndFailingRecords) {
  TestHttpsServer https(cert_, key_);
  https.set_body(good_);
  dns_.remove("_mta-sts.example.org");
  dns_.set_behavior("_mta-sts.example.org", test::DnsBehavior::servfail);
  dns_.add_txt("_smtp._tls.example.org", "v=TLSRPTv1; rua=mailto:other@example.org");
  dns_.add("www.example.org", "MX", "0 .");
  dns_.add_txt("www.example.org", "v=spf1 -all");
  dns_.add_txt("_dmarc.www.example.org", "v=DMARC1; p=none");
  auto r = check(https, {"--no-mail", "www.example.org", "--no-mail", "ftp.example.org"});
  EXPECT_TRUE(has(sts(r.output), "; warning: _mta-sts.example.org: lookup failed (servfail")) << r.output;
  EXPECT_FALSE(has(sts(r.output), "missing")) << "a failed lookup is not a missing record: " << r.output;
  EXPECT_TRUE(has(comments_after(r.output, "_smtp._tls.example.org. IN TXT"),
                  "; error: _smtp._tls.example.org: 2 v=TLSRPTv1 records: senders ignore them all; fix: keep "
                  "one\n"))
      << r.output;
  EXPECT_EQ(comments_after(r.output, "www.example.org. IN MX 0 ."), "; MX of www.example.org: matches\n")
      << r.output;
  EXPECT_EQ(comments_after(r.output, "www.example.org. IN TXT \"v=spf1 -all\""),
            "; SPF of www.example.org: matches\n")
      << r.output;
  EXPECT_EQ(comments_after(r.output, "_dmarc.www.example.org. IN TXT")
                .rfind("; warning: _dmarc.www.example.org: differs: p=none (a name without mail should say "
                       "reject)\n",
                       0),
            0u)
      << r.output;
  EXPECT_TRUE(has(comments_after(r.output, "ftp.example.org. IN MX 0 ."),
                  "; warning: MX of ftp.example.org: missing (no MX record"))
      << r.output;
}

// ---------------------------------------------------------------------------------------------
// DANE through a validating resolver.

class Dane : public ::testing::Test {
 protected:
  void SetUp() override {
    if (test::find_program("unbound").empty() || test::find_program("ldns-signzone").empty())
      GTEST_SKIP() << "unbound and ldnsutils are needed (tools/install-deps.sh)";
    chain1_ = write_chain("chain1.pem");
    hash1_ = *ctl::read_key_spki_sha256(chain1_);
    conf_ =
        dir_.write("postern.conf", "[sender]\nlocal_domains = [\"postern.test\"]\n[store]\nlmdb_path = \"" +
                                       (dir_ / "state").string() + "\"\n")
            .string();
    std::filesystem::create_directories(dir_ / "state");
  }
  // A new key + its leaf + the CA in one file, as smtpd_tls_chain_files takes it.
  std::string write_chain(const std::string& name) {
    auto c = issue(ca_, {"mx.postern.test"});
    return dir_.write(name, c.key_pem + c.cert_pem + ca_.cert_pem()).string();
  }
  TempDir dir_{"ctl-dane"};
  TestCa ca_;
  std::string chain1_, hash1_, conf_;
};

TEST_F(Dane, SignedValidUnsignedAndExpiredZonesThroughUnbound) {
  TestDnsServer dns;
  std::string rr = "_25._tcp.mx IN TLSA 3 1 1 " + hash1_ + "\nmx IN A 127.0.0.1\n";
  auto good = test::sign_zone(dir_, "postern.test", zone("postern.test", rr), test::dnssec_time(-86400),
                              test::dnssec_time(30 * 86400));
  // Expired ten days ago: beyond unbound's clock skew allowance (at most a day, val-sig-skew-max).
  auto expired = test::sign_zone(dir_, "expired.test", zone("expired.test", rr),
                                 test::dnssec_time(-40 * 86400), test::dnssec_time(-10 * 86400));
  ASSERT_TRUE(dns.load_zone(good.zone_file));
  ASSERT_TRUE(dns.load_zone(expired.zone_file));
  ASSERT_TRUE(dns.add("plain.test", "SOA", "ns.plain.test. hostmaster.plain.test. 1 3600 600 86400 300"));
  ASSERT_TRUE(dns.add("_25._tcp.mx.plain.test", "TLSA", "3 1 1 " + hash1_));
  test::UnboundInstance unbound({{"postern.test", dns.port(), good.trust_anchor},
                                 {"expired.test", dns.port(), expired.trust_anchor},
                                 {"plain.test", dns.port(), ""}});
  auto r = ctl({"-c", conf_, "--dns", unbound.address(), "dns-records", "--tls-cert", chain1_,
                "--smtp-connect", "127.0.0.1:1", "--mx-host", "mx.postern.test", "--mx-host",
                "mx.expired.test", "--mx-host", "mx.plain.test"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string line = " IN TLSA 3 1 1 " + hash1_;
  std::string ok = comments_after(r.output, "_25._tcp.mx.postern.test." + line);
  EXPECT_TRUE(has(ok, "; _25._tcp.mx.postern.test TLSA 3 1 1 " + hash1_.substr(0, 16) +
                          "...: matches the key on disk (" + chain1_ + ")\n"))
      << ok << unbound.log();
  EXPECT_FALSE(has(ok, "not authenticated")) << ok;
  EXPECT_TRUE(has(ok, "; warning: _25._tcp.mx.postern.test: one TLSA record only")) << ok;
  std::string exp = comments_after(r.output, "_25._tcp.mx.expired.test." + line);
  EXPECT_EQ(exp.rfind("; error: _25._tcp.mx.expired.test: lookup failed (servfail", 0), 0u) << exp;
  std::string plain = comments_after(r.output, "_25._tcp.mx.plain.test." + line);
  EXPECT_TRUE(has(plain, "; error: _25._tcp.mx.plain.test: the answer is not authenticated by DNSSEC"))
      << plain;
  EXPECT_TRUE(has(plain, "DANE cannot work")) << plain;
}

TEST_F(Dane, LiveKeyFromARealPostfixThenRenewedWithANewKeyIsStale) {
  if (geteuid() != 0) GTEST_SKIP() << "Postfix needs root";
  test::PostfixOptions po;
  po.main_cf = {{"smtpd_tls_chain_files", dir_.str() + "/served.pem"}, {"smtpd_tls_security_level", "may"}};
  std::filesystem::copy_file(chain1_, dir_ / "served.pem");
  test::PostfixInstance postfix(po);
  // A key prepared for the next renewal (a key alone, no certificate yet).
  std::string next_key = dir_.write("next.key", issue(ca_, {"mx.postern.test"}).key_pem).string();
  std::string next_hash = *ctl::read_key_spki_sha256(next_key);

  // An MTA-STS policy in enforce mode, served with a certificate from another CA: the check then
  // validates the certificate Postfix serves on port 25 for the MX name.
  TestCa web_ca("Web CA");
  auto web = issue(web_ca, {"mta-sts.postern.test"});
  TestHttpsServer https(dir_.write("web.pem", web.cert_pem).string(),
                        dir_.write("web.key", web.key_pem).string());
  std::string policy = policy_text({"mx.postern.test"}, ctl::MtaStsMode::enforce, 604800);
  https.set_body(policy);
  std::string both_cas = dir_.write("both-ca.pem", ca_.cert_pem() + web_ca.cert_pem()).string();
  std::string web_ca_only = dir_.write("web-ca.pem", web_ca.cert_pem()).string();

  TestDnsServer dns;
  auto z = test::sign_zone(
      dir_, "postern.test",
      zone("postern.test", "_25._tcp.mx IN TLSA 3 1 1 " + hash1_ + "\n_25._tcp.mx IN TLSA 3 1 1 " +
                               next_hash + "\nmx IN A 127.0.0.1\n@ IN MX 10 mx\n" +
                               "_mta-sts IN TXT \"v=STSv1; id=" + ctl::mta_sts_policy_id(policy) + "\"\n"),
      test::dnssec_time(-86400), test::dnssec_time(30 * 86400));
  ASSERT_TRUE(dns.load_zone(z.zone_file));
  test::UnboundInstance unbound({{"postern.test", dns.port(), z.trust_anchor}});
  auto run = [&](const std::string& ca = "") {
    // Certificates and the MX host from the harness's Postfix (postconf -c), the key served live
    // from its smtpd after STARTTLS.
    return ctl({"-c", conf_, "--dns", unbound.address(), "dns-records", "--postfix-config",
                postfix.config_dir(), "--next-key", next_key, "--smtp-connect",
                "127.0.0.1:" + std::to_string(postfix.smtp_port()), "--mta-sts-connect", https.address(),
                "--mta-sts-ca", ca.empty() ? both_cas : ca});
  };
  auto r = run();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(
      has(r.output,
          "; https://mta-sts.postern.test/.well-known/mta-sts.txt: differs from the policy above (mode "
          "enforce, max_age 604800, 1 mx)\n"))
      << r.output;
  EXPECT_TRUE(has(r.output, "; port 25 of mx.postern.test: the certificate served validates for that name\n"))
      << r.output;
  auto untrusted = run(web_ca_only);
  EXPECT_TRUE(has(untrusted.output,
                  "; error: port 25 of mx.postern.test: the certificate served does not validate "
                  "(\"self-signed certificate in certificate chain\"): enforcing senders do not deliver to "
                  "it; fix: install a certificate for mx.postern.test from a CA senders trust\n"))
      << untrusted.output;
  EXPECT_TRUE(has(r.output, "; certificates from the local Postfix (smtpd_tls_chain_files)\n")) << r.output;
  std::string c = comments_after(r.output, "_25._tcp.mx.postern.test. IN TLSA 3 1 1 " + next_hash);
  EXPECT_TRUE(has(c, "; _25._tcp.mx.postern.test TLSA 3 1 1 " + hash1_.substr(0, 16) +
                         "...: matches the key on disk (" + dir_.str() +
                         "/served.pem), the key served on port 25\n"))
      << r.output;
  EXPECT_TRUE(has(c, "; _25._tcp.mx.postern.test TLSA 3 1 1 " + next_hash.substr(0, 16) +
                         "...: matches the next key (" + next_key + ")\n"))
      << r.output;
  EXPECT_FALSE(has(c, "error")) << c;
  EXPECT_FALSE(has(c, "one TLSA record only")) << c;

  // Renewed with a key nobody published: the file on disk and, after a reload, the live key.
  std::string renewed = write_chain("renewed.pem");
  std::filesystem::copy_file(renewed, dir_ / "served.pem", std::filesystem::copy_options::overwrite_existing);
  postfix.reload();
  std::string out;
  ASSERT_TRUE(test::wait_until([&] {
    out = run().output;
    return has(out, "; error: _25._tcp.mx.postern.test: no TLSA record matches the key served on port 25");
  })) << out;
  c = comments_after(out, "_25._tcp.mx.postern.test. IN TLSA 3 1 1 " + next_hash);
  EXPECT_TRUE(
      has(c, "; warning: _25._tcp.mx.postern.test TLSA 3 1 1 " + hash1_.substr(0, 16) +
                 "...: stale: matches neither the key on disk nor the key served on port 25; fix: remove "
                 "it once no certificate uses that key\n"))
      << out;
  EXPECT_TRUE(has(c, "; error: _25._tcp.mx.postern.test: no TLSA record matches the key on disk")) << out;
}

}  // namespace
}  // namespace postern
