// posternctl audit's transport-security findings (dane.*, mta-sts.*, tls-rpt.*, dns.*) against real
// peers: a real Postfix from the harness serving a certificate made here (its key is the one the
// TLSA records must name), a zone signed at test time and served by the harness DNS server behind
// a real validating resolver (unbound, for the AD bit), and the harness HTTPS server serving the
// MTA-STS policy with a certificate from a test CA the audit is told to trust. A bad setup (a
// stale TLSA record only, an MX the enforce policy does not cover, no TLS-RPT record) gives exact
// findings in --json; a good one gives none; DNS that does not answer gives one finding; --no-dns
// and a configuration without local domains look nothing up.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
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

using test::ctl;
using test::has;
using test::issue;
using test::policy_text;
using test::zone;

class AuditTransport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "Postfix needs root";
    if (test::find_program("unbound").empty() || test::find_program("ldns-signzone").empty())
      GTEST_SKIP() << "unbound and ldnsutils are needed (tools/install-deps.sh)";
    auto c = issue(ca_, {"mx.postern.test"});
    served_ = dir_.write("served.pem", c.key_pem + c.cert_pem + ca_.cert_pem()).string();
    served_hash_ = *ctl::read_key_spki_sha256(served_);
    next_key_ = dir_.write("next.key", issue(ca_, {"mx.postern.test"}).key_pem).string();
    next_hash_ = *ctl::read_key_spki_sha256(next_key_);
    old_hash_ = *ctl::read_key_spki_sha256(dir_.write("old.key", issue(ca_, {"mx.postern.test"}).key_pem));
    conf_ =
        dir_.write("postern.conf", "[sender]\nlocal_domains = [\"postern.test\"]\n[store]\nlmdb_path = \"" +
                                       (dir_ / "state").string() + "\"\n")
            .string();
    std::filesystem::create_directories(dir_ / "state");
    auto web = issue(web_ca_, {"mta-sts.postern.test"});
    https_ = std::make_unique<test::TestHttpsServer>(dir_.write("web.pem", web.cert_pem).string(),
                                                     dir_.write("web.key", web.key_pem).string());
    policy_ = policy_text({"mx.postern.test"}, ctl::MtaStsMode::enforce, 604800);
    https_->set_body(policy_);
    cas_ = dir_.write("cas.pem", ca_.cert_pem() + web_ca_.cert_pem()).string();
    test::PostfixOptions po;
    po.main_cf = {{"smtpd_tls_chain_files", served_}, {"smtpd_tls_security_level", "may"}};
    postfix_ = std::make_unique<test::PostfixInstance>(po);
  }
  // Serves zone body for postern.test, signed, behind unbound.
  void publish(const std::string& body) {
    auto z = test::sign_zone(dir_, "postern.test", zone("postern.test", body), test::dnssec_time(-86400),
                             test::dnssec_time(30 * 86400));
    ASSERT_TRUE(dns_.load_zone(z.zone_file));
    unbound_ = std::make_unique<test::UnboundInstance>(
        std::vector<test::UnboundZone>{{"postern.test", dns_.port(), z.trust_anchor}});
  }
  test::CommandResult audit(const std::string& dns, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"-c",
                                     conf_,
                                     "--dns",
                                     dns,
                                     "audit",
                                     "--only",
                                     "dns",
                                     "--postfix-config",
                                     postfix_->config_dir(),
                                     "--mta-sts-ca",
                                     cas_,
                                     "--mta-sts-connect",
                                     https_->address()};
    args.insert(args.end(), extra.begin(), extra.end());
    return ctl(args);
  }
  std::string mta_sts_record() {
    return "_mta-sts IN TXT \"v=STSv1; id=" + ctl::mta_sts_policy_id(policy_) + "\"\n";
  }

  test::TempDir dir_{"audit-transport"};
  test::TestCa ca_, web_ca_{"Web CA"};
  test::TestDnsServer dns_;
  std::unique_ptr<test::TestHttpsServer> https_;
  std::unique_ptr<test::PostfixInstance> postfix_;
  std::unique_ptr<test::UnboundInstance> unbound_;
  std::string served_, served_hash_, next_key_, next_hash_, old_hash_, conf_, policy_, cas_;
};

// The TLSA record names a key neither on disk nor served (the certificate was renewed with a new
// key and DNS not updated), the policy covers one MX of two, there is no TLS-RPT record.
TEST_F(AuditTransport, StaleTlsaUncoveredMxAndMissingTlsRptAreFound) {
  publish("_25._tcp.mx IN TLSA 3 1 1 " + old_hash_ + "\nmx IN A 127.0.0.1\n@ IN MX 10 mx\n" +
          "@ IN MX 20 backup\n" + mta_sts_record());
  auto r = audit(unbound_->address(), {"--json"});
  std::string owner = "_25._tcp.mx.postern.test";
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(
      r.output,
      "{\"findings\": [\n"
      "  {\"id\": \"dane.stale\", \"severity\": \"warning\", \"where\": \"" +
          owner + " TLSA 3 1 1 " + old_hash_.substr(0, 16) +
          "...\", \"setting\": \"\", \"value\": \"\", \"message\": \"stale: matches neither the key on disk "
          "nor "
          "the key served on port 25\", \"fix\": \"remove it once no certificate uses that key\"},\n"
          "  {\"id\": \"dane.no-disk-match\", \"severity\": \"error\", \"where\": \"" +
          owner +
          "\", \"setting\": \"\", \"value\": \"\", \"message\": \"no TLSA record matches the key on disk: "
          "once "
          "Postfix serves it, DANE senders stop delivering to mx.postern.test\", \"fix\": \"publish the 3 1 "
          "1 "
          "record of the key on disk (posternctl dns-records) and wait two TTLs before serving it\"},\n"
          "  {\"id\": \"dane.no-live-match\", \"severity\": \"error\", \"where\": \"" +
          owner +
          "\", \"setting\": \"\", \"value\": \"\", \"message\": \"no TLSA record matches the key served on "
          "port "
          "25: DANE senders do not deliver to mx.postern.test now\", \"fix\": \"publish the 3 1 1 record of "
          "the "
          "key served, or serve the key the records name\"},\n"
          "  {\"id\": \"dane.single\", \"severity\": \"warning\", \"where\": \"" +
          owner +
          "\", \"setting\": \"\", \"value\": \"\", \"message\": \"one TLSA record only: a renewal with a new "
          "key "
          "leaves mx.postern.test without a matching record\", \"fix\": \"publish the next key's record "
          "beside "
          "it (posternctl dns-records --next-key FILE)\"},\n"
          "  {\"id\": \"mta-sts.mx-uncovered\", \"severity\": \"error\", \"where\": \"MX backup.postern.test "
          "of "
          "postern.test\", \"setting\": \"\", \"value\": \"\", \"message\": \"not covered by any mx: line of "
          "the "
          "policy: senders do not deliver to it\", \"fix\": \"add \\\"mx: backup.postern.test\\\" to the "
          "policy "
          "and publish a new id\"},\n"
          "  {\"id\": \"mta-sts.mx-cert-unchecked\", \"severity\": \"warning\", \"where\": \"port 25 of "
          "backup.postern.test\", \"setting\": \"\", \"value\": \"\", \"message\": \"the certificate served: "
          "lookup failed (\\\"backup.postern.test has no address\\\")\", \"fix\": \"\"},\n"
          "  {\"id\": \"tls-rpt.missing\", \"severity\": \"warning\", \"where\": "
          "\"_smtp._tls.postern.test\", "
          "\"setting\": \"\", \"value\": \"\", \"message\": \"missing (no v=TLSRPTv1 record): senders cannot "
          "tell "
          "you when TLS to you fails\", \"fix\": \"publish _smtp._tls.postern.test. IN TXT \\\"v=TLSRPTv1; "
          "rua=mailto:postmaster@postern.test\\\"\"}\n"
          "], \"summary\": {\"errors\": 3, \"warnings\": 4, \"infos\": 0}}\n")
      << unbound_->log();
  // The text form carries the same ids, places and fixes.
  auto text = audit(unbound_->address());
  EXPECT_TRUE(has(text.output, "\nerror dane.no-live-match " + owner +
                                   ": no TLSA record matches the key served on port 25: DANE senders do not "
                                   "deliver to mx.postern.test now; fix: publish the 3 1 1 record of the key "
                                   "served, or serve the key the records name\n"))
      << text.output;
  EXPECT_TRUE(has(text.output, "\nsummary: 3 errors, 4 warnings, 0 infos\n")) << text.output;
}

// The served key and the next key published, every MX covered, TLS-RPT present: nothing to say,
// and the policy is fetched and checked (the MX certificate validates for its name).
TEST_F(AuditTransport, GoodSetupHasNoFinding) {
  publish("_25._tcp.mx IN TLSA 3 1 1 " + served_hash_ + "\n_25._tcp.mx IN TLSA 3 1 1 " + next_hash_ +
          "\nmx IN A 127.0.0.1\n@ IN MX 10 mx\n" + mta_sts_record() +
          "_smtp._tls IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@postern.test\"\n");
  auto r = audit(unbound_->address(), {"--next-key", next_key_, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "{\"findings\": [], \"summary\": {\"errors\": 0, \"warnings\": 0, \"infos\": 0}}\n")
      << unbound_->log();
  EXPECT_EQ(https_->requests(), 1);
  // The policy changed, its id not: found from the pair the first run kept.
  https_->set_body(policy_text({"mx.postern.test", "mx2.postern.test"}, ctl::MtaStsMode::enforce, 604800));
  auto again = audit(unbound_->address(), {"--next-key", next_key_});
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_EQ(
      again.output,
      "error mta-sts.id-unchanged _mta-sts.postern.test: the policy changed since it was last seen but the "
      "id (" +
          ctl::mta_sts_policy_id(policy_) +
          ") did not: senders keep their cached policy until max_age runs out; fix: publish a new id "
          "(posternctl dns-records derives one from the policy)\nsummary: 1 error, 0 warnings, 0 infos\n")
      << again.output;
}

// No DNS server answers: one finding says so, nothing else is looked up or fetched.
TEST_F(AuditTransport, UnreachableDnsIsOneFinding) {
  int closed = test::free_tcp_port();  // no DNS server there: UDP to it is refused
  auto r = audit("127.0.0.1:" + std::to_string(closed));
  EXPECT_EQ(r.exit_code, 0) << "a warning only: " << r.output;
  std::istringstream in(r.output);
  std::string first, summary, rest;
  std::getline(in, first);
  std::getline(in, summary);
  std::getline(in, rest, '\0');
  EXPECT_EQ(first.rfind("warning dns.unreachable DNS: no DNS server answered (", 0), 0u) << r.output;
  std::string tail =
      "): the DANE, MTA-STS and TLS-RPT records were not checked; fix: check [dns] servers in postern.conf, "
      "or "
      "give --dns HOST:PORT; --no-dns skips these checks";
  EXPECT_EQ(first.substr(first.size() - std::min(first.size(), tail.size())), tail) << r.output;
  EXPECT_EQ(summary, "summary: 0 errors, 1 warning, 0 infos") << r.output;
  EXPECT_EQ(rest, "") << r.output;
  EXPECT_EQ(https_->requests(), 0);
  // --no-dns: not even that.
  auto off = audit("127.0.0.1:" + std::to_string(closed), {"--no-dns"});
  EXPECT_EQ(off.output, "summary: 0 errors, 0 warnings, 0 infos\n") << off.output;
  // No local domain: said once, nothing looked up.
  std::string bare = dir_.write("bare.conf", "").string();
  auto none = ctl({"-c", bare, "--dns", "127.0.0.1:" + std::to_string(closed), "audit", "--only", "dns",
                   "--postfix-config", postfix_->config_dir()});
  EXPECT_EQ(none.output,
            "info dns.no-domains DNS: no local domain known: the DANE, MTA-STS and TLS-RPT records were not "
            "checked; fix: set [sender] local_domains in postern.conf, or give --domain DOMAIN\n"
            "summary: 0 errors, 0 warnings, 1 info\n");
}

}  // namespace
}  // namespace postern
