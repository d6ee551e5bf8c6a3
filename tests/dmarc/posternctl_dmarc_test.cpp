// posternctl dmarc record / check run as a subprocess against the in-process TestDnsServer (via
// --dns), as an admin would: first-line keywords, details, exit codes.
#include <gtest/gtest.h>

#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

class PosternctlDmarc : public ::testing::Test {
 protected:
  void SetUp() override {
    conf = dir.write("postern.conf",
                     "[dns]\ntimeout = \"200ms\"\nretries = 0\n"
                     "[dmarc]\nenforce = true\nmailing_list_domains = [\"lists.example.com\"]\n")
               .string();
    ASSERT_TRUE(dns.add("_dmarc.example.org", "TXT",
                        "\"v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:agg@example.org; pct=0\""));
    ASSERT_TRUE(dns.add("mail.example.org", "A", "192.0.2.1"));
    ASSERT_TRUE(dns.add("_dmarc.example.net", "TXT", "\"v=DMARC1; p=reject\""));
  }
  test::CommandResult ctl(std::vector<std::string> args) {
    std::vector<std::string> argv{POSTERNCTL, "-c", conf, "--dns", dns.address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_command(argv);
  }
  test::TempDir dir;
  test::TestDnsServer dns;
  std::string conf;
};

TEST_F(PosternctlDmarc, RecordAtTheDomain) {
  auto r = ctl({"dmarc", "record", "Example.ORG."});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(
      r.output.rfind("v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:agg@example.org; pct=0\n", 0),
      0u)
      << r.output;
  EXPECT_NE(r.output.find("found at: _dmarc.example.org (author domain)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("organizational domain: example.org"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("p=reject sp=quarantine np=- psd=u t=y adkim=s aspf=r"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("rua: mailto:agg@example.org"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pct=0 (read as t=y)"), std::string::npos) << r.output;
}

TEST_F(PosternctlDmarc, RecordFromTheOrganizationalDomainOrNone) {
  auto r = ctl({"dmarc", "record", "a.mail.example.org"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("v=DMARC1; p=reject;", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("found at: _dmarc.example.org (organizational domain)"), std::string::npos)
      << r.output;
  auto none = ctl({"dmarc", "record", "example.com"});
  EXPECT_EQ(none.exit_code, 0) << none.output;
  EXPECT_EQ(none.output.rfind("none\n", 0), 0u) << none.output;
  dns.set_behavior("_dmarc.example.net", test::DnsBehavior::servfail);
  auto temp = ctl({"dmarc", "record", "example.net"});
  EXPECT_EQ(temp.exit_code, 0) << temp.output;
  EXPECT_EQ(temp.output.rfind("temperror\n", 0), 0u) << temp.output;
  EXPECT_EQ(ctl({"dmarc", "record", "bad..name"}).exit_code, 64);
  EXPECT_EQ(ctl({"dmarc", "record"}).exit_code, 64);
}

// Results are RFC 8601 keywords (any case); anything else is a usage error naming the option.
TEST_F(PosternctlDmarc, CheckResultsAreKeywords) {
  auto upper = ctl(
      {"dmarc", "check", "--from", "example.net", "--dkim-domain", "example.net", "--dkim-result", "PASS"});
  EXPECT_EQ(upper.exit_code, 0) << upper.output;
  EXPECT_EQ(upper.output.rfind("pass\n", 0), 0u) << upper.output;
  auto bad = ctl(
      {"dmarc", "check", "--from", "example.net", "--spf-domain", "example.net", "--spf-result", "passed"});
  EXPECT_EQ(bad.exit_code, 64) << bad.output;
  EXPECT_NE(bad.output.find(
                "posternctl: --spf-result: passed is not a result (none, pass, fail, softfail, neutral, "
                "policy, temperror, permerror)"),
            std::string::npos)
      << bad.output;
  auto dkim =
      ctl({"dmarc", "check", "--from", "example.net", "--dkim-domain", "example.net", "--dkim-result", "ok"});
  EXPECT_EQ(dkim.exit_code, 64) << dkim.output;
  EXPECT_NE(dkim.output.find("--dkim-result: ok is not a result"), std::string::npos) << dkim.output;
}

TEST_F(PosternctlDmarc, CheckVerdicts) {
  auto pass = ctl({"dmarc", "check", "--from", "example.net", "--dkim-domain", "mail.example.net",
                   "--dkim-result", "pass"});
  EXPECT_EQ(pass.exit_code, 0) << pass.output;
  EXPECT_EQ(pass.output.rfind("pass\n", 0), 0u) << pass.output;
  EXPECT_NE(pass.output.find("dkim mail.example.net pass: aligned (same organizational domain example.net)"),
            std::string::npos)
      << pass.output;
  auto fail = ctl(
      {"dmarc", "check", "--from", "example.net", "--spf-domain", "evil.example", "--spf-result", "pass"});
  EXPECT_EQ(fail.exit_code, 0);
  EXPECT_EQ(fail.output.rfind("fail\n", 0), 0u) << fail.output;
  EXPECT_NE(fail.output.find("policy: reject (p= of _dmarc.example.net, author domain)"), std::string::npos)
      << fail.output;
  EXPECT_NE(fail.output.find("action: reject"), std::string::npos) << fail.output;
  // Strict DKIM alignment and pct=0 (testing) at example.org.
  auto strict = ctl({"dmarc", "check", "--from", "alice@mail.example.org", "--dkim-domain", "example.org",
                     "--dkim-result", "pass"});
  EXPECT_EQ(strict.output.rfind("fail\n", 0), 0u) << strict.output;
  EXPECT_NE(strict.output.find("policy: quarantine (sp= of _dmarc.example.org"), std::string::npos)
      << strict.output;
  EXPECT_NE(strict.output.find("t=y: testing, not applied"), std::string::npos) << strict.output;
  EXPECT_NE(strict.output.find("action: accept"), std::string::npos) << strict.output;
  auto none = ctl({"dmarc", "check", "--from", "example.com"});
  EXPECT_EQ(none.output.rfind("none\n", 0), 0u) << none.output;
  auto list = ctl({"dmarc", "check", "--from", "example.net", "--dkim-domain", "lists.example.com",
                   "--dkim-result", "pass"});
  EXPECT_NE(list.output.find("applied: quarantine (override mailing_list)"), std::string::npos)
      << list.output;
  EXPECT_NE(list.output.find("action: hold"), std::string::npos) << list.output;
}

TEST_F(PosternctlDmarc, CheckAuthorErrorsAndTemperror) {
  auto two = ctl({"dmarc", "check", "--from", "a@example.net, b@example.org"});
  EXPECT_EQ(two.exit_code, 0) << two.output;
  EXPECT_EQ(two.output.rfind("permerror\nauthor_error\n", 0), 0u) << two.output;
  EXPECT_NE(two.output.find("reason: From: header holds 2 addresses"), std::string::npos) << two.output;
  auto confused = ctl({"dmarc", "check", "--from", "<a@evil.example>@example.net"});
  EXPECT_EQ(confused.output.rfind("permerror\nauthor_error\n", 0), 0u) << confused.output;
  dns.set_behavior("_dmarc.example.net", test::DnsBehavior::drop);
  auto temp = ctl({"dmarc", "check", "--from", "example.net"});
  EXPECT_EQ(temp.exit_code, 0);
  EXPECT_EQ(temp.output.rfind("temperror\n", 0), 0u) << temp.output;
  EXPECT_EQ(ctl({"dmarc", "check"}).exit_code, 64);
  EXPECT_EQ(ctl({"dmarc", "check", "--from", "example.net", "--dkim-domain", "x.example"}).exit_code, 64);
}

}  // namespace
}  // namespace postern
