// DMARC aggregate reports end to end: a real Postfix with postern-milter (smtpd_milters) and a test
// DNS server; mail from several senders (DKIM pass, SPF-aligned pass, SPF fail rejected, a trusted
// forwarder and a mailing list overriding reject) fills [dmarc] report_log as the real milter
// writes it; `posternctl dmarc report build` turns the day into one report per policy domain, each
// valid against RFC 9990's schema (xmllint), with identical messages counted in one record and the
// report facts (selector, envelope domains, SPF scope, override reasons) in place.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "common/dkim/private_key.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"
#include "tools/posternctl/dmarc_report/gzip.h"

namespace postern::test {
namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// The <record> elements of a report that contain every fragment.
size_t records_with(const std::string& xml, const std::vector<std::string>& fragments) {
  size_t n = 0;
  for (size_t at = xml.find("<record>"); at != std::string::npos; at = xml.find("<record>", at + 1)) {
    std::string rec = xml.substr(at, xml.find("</record>", at) - at);
    bool all = true;
    for (const auto& f : fragments) all = all && rec.find(f) != std::string::npos;
    if (all) ++n;
  }
  return n;
}

class DmarcReportE2e : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      start();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << "test servers did not start: " << setup_error_;
  }
  static void start() {
    dir_ = new TempDir("postern-dmarc-report");
    chmod(dir_->path().c_str(), 0755);
    dns_ = new TestDnsServer();
    auto pem = generate_dkim_private_key_pem(DkimKeyType::ed25519, 0);
    if (!pem) throw std::runtime_error("keygen: " + pem.error().message);
    auto key = parse_dkim_private_key(*pem);
    if (!key || !dns_->add_txt("s1._domainkey.partner.test", key->dns_record()))
      throw std::runtime_error("cannot publish the DKIM key");
    auto key_path = dir_->write("partner.key", *pem);
    chmod(key_path.c_str(), 0600);
    dns_->add("_dmarc.partner.test", "TXT", "\"v=DMARC1; p=reject; rua=mailto:dmarc@example.org\"");
    dns_->add("spfonly.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
    dns_->add("_dmarc.spfonly.test", "TXT", "\"v=DMARC1; p=quarantine; fo=1; rua=mailto:dmarc@example.org\"");
    dns_->add("lists.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
    dns_->add("_dmarc.bank.test", "TXT", "\"v=DMARC1; p=reject; rua=mailto:dmarc@example.org\"");
    std::string sock = (dir_->path() / "milter.sock").string();
    log_ = (dir_->path() / "dmarc.log").string();
    dir_->write("dmarc.log", "");
    chmod(log_.c_str(), 0666);  // the milter runs as nobody
    conf_ = dir_->write("postern.conf",
                        "[log]\ndestination = \"stderr\"\n"
                        "[dns]\nservers = [\"" +
                            dns_->address() + "\"]\n[milter]\nsocket = \"unix:" + sock +
                            "\"\nuser = \"nobody\"\ngroup = \"postfix\"\nauthserv_id = \"mx.example.org\"\n"
                            "[dmarc]\nenforce = true\nquarantine_action = \"header\"\n"
                            "trusted_forwarders = [\"198.51.100.0/24\"]\nmailing_list_domains = [\"lists.test\"]\n"
                            "report_log = \"" +
                            log_ +
                            "\"\n[dmarc.reports]\norg_name = \"Example Org Mail\"\n"
                            "from = \"dmarc-reports@example.org\"\n"
                            "[dkim]\ninternal_networks = []\n")
                .string();
    milter_ = new Process({MILTER, "-f", "-c", conf_}, (dir_->path() / "milter").string());
    if (!wait_for_unix(sock)) throw std::runtime_error("milter did not start: " + milter_->output());
    PostfixOptions p;
    p.mailboxes = {"bob@example.org", "dmarc@example.org"};
    p.main_cf["smtpd_milters"] = "unix:" + sock;
    p.main_cf["local_header_rewrite_clients"] = "";
    postfix_ = new PostfixInstance(p);
  }
  static void TearDownTestSuite() {
    delete postfix_;
    delete milter_;
    delete dns_;
    delete dir_;
  }

  static SmtpReply inbound(const std::string& from, const std::string& message, const std::string& client) {
    SmtpSend s;
    s.port = postfix_->smtp_port();
    s.xclient = "ADDR=" + client + " NAME=[UNAVAILABLE]";
    s.helo = "mail.sender.test";
    s.from = from;
    s.to = {"bob@example.org"};
    s.message = message;
    return smtp_send(s);
  }

  static std::string signed_by_partner(const std::string& message) {
    auto file = dir_->write("to-sign.eml", message);
    auto r = run_command({POSTERNCTL, "dkim", "sign", "--domain", "partner.test", "--selector", "s1", "--key",
                          (dir_->path() / "partner.key").string(), file.string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  static std::string today() {
    time_t now = time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
  }

  // The mail of the test: 7 evaluations, 6 reportable rows over 3 policy domains.
  static void send_the_day() {
    for (int i = 0; i < 2; ++i) {
      auto r = inbound("news@partner.test",
                       signed_by_partner("From: news@partner.test\r\nTo: bob@example.org\r\nSubject: n\r\n\r\nx\r\n"),
                       "203.0.113.5");
      ASSERT_EQ(r.code, 250) << r.text << milter_->output();
    }
    auto spf = inbound("a@spfonly.test", "From: a@spfonly.test\nTo: bob@example.org\nSubject: s\n\nx\n", "203.0.113.6");
    ASSERT_EQ(spf.code, 250) << spf.text;
    // Not from the domain's servers: SPF fail, p=quarantine -> the header, delivered.
    auto spf_bad =
        inbound("a@spfonly.test", "From: a@spfonly.test\nTo: bob@example.org\nSubject: s\n\nx\n", "192.0.2.99");
    ASSERT_EQ(spf_bad.code, 250) << spf_bad.text;
    // bank.test p=reject, through a trusted forwarder and through a mailing list: quarantine.
    auto fwd = inbound("ceo@bank.test", "From: ceo@bank.test\nTo: bob@example.org\nSubject: f\n\nx\n", "198.51.100.9");
    ASSERT_EQ(fwd.code, 250) << fwd.text << milter_->output();
    auto list = inbound("list-bounces@lists.test", "From: ceo@bank.test\nTo: bob@example.org\nSubject: l\n\nx\n",
                        "203.0.113.7");
    ASSERT_EQ(list.code, 250) << list.text << milter_->output();
    // A spoof with no forwarder or list: rejected, and reported too.
    auto spoof = inbound("x@evil.test", "From: ceo@bank.test\nTo: bob@example.org\nSubject: x\n\nx\n", "192.0.2.66");
    ASSERT_EQ(spoof.code, 550) << spoof.text;
    ASSERT_TRUE(wait_until([] { return count(slurp(log_), "\n") >= 7; })) << slurp(log_) << milter_->output();
  }

  static std::string setup_error_;
  static TempDir* dir_;
  static TestDnsServer* dns_;
  static std::string conf_, log_;
  static Process* milter_;
  static PostfixInstance* postfix_;
};

std::string DmarcReportE2e::setup_error_;
TempDir* DmarcReportE2e::dir_ = nullptr;
TestDnsServer* DmarcReportE2e::dns_ = nullptr;
std::string DmarcReportE2e::conf_, DmarcReportE2e::log_;
Process* DmarcReportE2e::milter_ = nullptr;
PostfixInstance* DmarcReportE2e::postfix_ = nullptr;

TEST_F(DmarcReportE2e, TheMiltersLogBuildsValidAggregatedReports) {
  send_the_day();
  std::string log = slurp(log_);
  EXPECT_EQ(count(log, "\"selector\":\"s1\""), 2u) << log;
  EXPECT_EQ(count(log, "\"envelope_to\":\"example.org\""), 7u) << log;
  auto out = dir_->path() / "reports";
  std::filesystem::create_directory(out);
  auto r = run_command({POSTERNCTL, "-c", conf_, "dmarc", "report", "build", "--day", today(), "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> xml;  // policy domain -> report
  for (const auto& f : std::filesystem::directory_iterator(out)) {
    std::string name = f.path().filename().string();
    EXPECT_EQ(name.rfind("example.org!", 0), 0u) << name;
    EXPECT_EQ(name.substr(name.size() - 7), ".xml.gz") << name;
    auto text = gunzip_bounded(slurp(f.path()), 1 << 20, 1000);
    ASSERT_TRUE(text) << name;
    std::string domain = name.substr(12, name.find('!', 12) - 12);
    auto plain = dir_->write(domain + ".xml", *text);
    auto v = run_command({XMLLINT, "--noout", "--nonet", "--schema", DMARC_XSD, plain.string()});
    EXPECT_EQ(v.exit_code, 0) << name << "\n" << v.output << *text;
    xml[domain] = *text;
  }
  ASSERT_EQ(xml.size(), 3u) << r.output;
  const std::string& partner = xml["partner.test"];
  EXPECT_EQ(count(partner, "<record>"), 1u) << partner;
  EXPECT_EQ(records_with(partner, {"<count>2</count>", "<source_ip>203.0.113.5</source_ip>",
                                   "<disposition>pass</disposition>", "<dkim>pass</dkim>",
                                   "<selector>s1</selector>", "<envelope_from>partner.test</envelope_from>",
                                   "<envelope_to>example.org</envelope_to>"}),
            1u)
      << partner;
  const std::string& spf = xml["spfonly.test"];
  EXPECT_NE(spf.find("<fo>1</fo>"), std::string::npos) << spf;
  EXPECT_NE(spf.find("<p>quarantine</p>"), std::string::npos) << spf;
  EXPECT_EQ(records_with(spf, {"<count>1</count>", "<spf>pass</spf>", "<scope>mfrom</scope>"}), 1u) << spf;
  EXPECT_EQ(records_with(spf, {"<count>1</count>", "<source_ip>192.0.2.99</source_ip>",
                               "<disposition>quarantine</disposition>", "<result>fail</result>"}),
            1u)
      << spf;
  const std::string& bank = xml["bank.test"];
  EXPECT_EQ(count(bank, "<record>"), 3u) << bank;
  EXPECT_EQ(records_with(bank, {"<source_ip>198.51.100.9</source_ip>", "<disposition>quarantine</disposition>",
                                "<type>trusted_forwarder</type>"}),
            1u)
      << bank;
  EXPECT_EQ(records_with(bank, {"<disposition>quarantine</disposition>", "<type>mailing_list</type>",
                                "<domain>lists.test</domain>", "<envelope_from>lists.test</envelope_from>"}),
            1u)
      << bank;
  EXPECT_EQ(records_with(bank, {"<source_ip>192.0.2.66</source_ip>", "<disposition>reject</disposition>"}), 1u)
      << bank;
}

}  // namespace
}  // namespace postern::test
