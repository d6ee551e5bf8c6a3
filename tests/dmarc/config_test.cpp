// The [dmarc] section: defaults, every key, and the errors an admin gets for bad values.
#include "common/config/config.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

std::string errors(const std::string& text) {
  auto r = parse_config(text, "t.conf");
  std::string out;
  for (const auto& e : r.errors) out += e.str() + "\n";
  return out;
}

TEST(DmarcConfig, Defaults) {
  auto r = parse_config("", "t.conf");
  ASSERT_TRUE(r.ok());
  const auto& c = r.config.dmarc;
  EXPECT_TRUE(c.enabled);
  EXPECT_FALSE(c.enforce);  // record only until the admin turns enforcement on
  EXPECT_EQ(c.quarantine_action, DmarcQuarantineAction::hold);
  EXPECT_EQ(c.author_error_action, DmarcAuthorErrorAction::reject);
  EXPECT_TRUE(c.trusted_forwarders.empty());
  EXPECT_TRUE(c.mailing_list_domains.empty());
  EXPECT_EQ(c.report_log, "");
  EXPECT_NE(r.effective.find("[dmarc]\nenabled = true\n"), std::string::npos) << r.effective;
}

TEST(DmarcConfig, EveryKey) {
  auto r = parse_config(
      "[dmarc]\nenabled = false\nenforce = false\nquarantine_action = \"header\"\n"
      "author_error_action = \"hold\"\nreject_text = \"5.7.1 no\"\n"
      "trusted_forwarders = [\"192.0.2.0/24\", \"2001:db8::/32\"]\n"
      "mailing_list_domains = [\"lists.example.org\"]\nreport_log = \"/var/log/postern/dmarc.log\"\n",
      "t.conf");
  ASSERT_TRUE(r.ok()) << errors("");
  const auto& c = r.config.dmarc;
  EXPECT_FALSE(c.enabled);
  EXPECT_FALSE(c.enforce);
  EXPECT_EQ(c.quarantine_action, DmarcQuarantineAction::header);
  EXPECT_EQ(c.author_error_action, DmarcAuthorErrorAction::hold);
  EXPECT_EQ(c.reject_text, "5.7.1 no");
  EXPECT_EQ(c.trusted_forwarders.size(), 2u);
  EXPECT_EQ(c.mailing_list_domains, std::vector<std::string>{"lists.example.org"});
  EXPECT_EQ(c.report_log, "/var/log/postern/dmarc.log");
}

TEST(DmarcConfig, BadValuesNameFileLineAndKey) {
  EXPECT_NE(errors("[dmarc]\nquarantine_action = \"drop\"\n").find("t.conf:2: dmarc.quarantine_action"),
            std::string::npos);
  EXPECT_NE(errors("[dmarc]\nauthor_error_action = \"x\"\n").find("dmarc.author_error_action"),
            std::string::npos);
  EXPECT_NE(
      errors("[dmarc]\ntrusted_forwarders = [\"192.0.2.0/33\"]\n").find("t.conf:2: dmarc.trusted_forwarders"),
      std::string::npos);
  EXPECT_NE(errors("[dmarc]\nmailing_list_domains = [\"a..b\"]\n").find("not a domain name"),
            std::string::npos);
  EXPECT_NE(errors("[dmarc]\nreport_log = \"dmarc.log\"\n").find("absolute path"), std::string::npos);
  auto crlf = errors("[dmarc]\nreject_text = \"a\\r\\nb\"\n");
  EXPECT_NE(crlf.find("dmarc.reject_text"), std::string::npos) << crlf;
  auto utf8 = errors("[dmarc]\nreject_text = \"5.7.1 caf\u00e9\"\n");
  EXPECT_NE(utf8.find("t.conf:2: dmarc.reject_text: only printable ASCII"), std::string::npos) << utf8;
  EXPECT_NE(errors("[dmarc]\nfrobnicate = 1\n").find("dmarc.frobnicate"), std::string::npos);
}

}  // namespace
}  // namespace postern
