// DMARC aggregate reports end to end: a real Postfix with postern-milter (smtpd_milters) and a test
// DNS server; mail from several senders (DKIM pass, SPF-aligned pass, SPF fail rejected, a trusted
// forwarder and a mailing list overriding reject) fills [dmarc] report_log as the real milter
// writes it; `posternctl dmarc report build` turns the day into one report per policy domain, each
// valid against RFC 9990's schema (xmllint), with identical messages counted in one record and the
// report facts (selector, envelope domains, SPF scope, override reasons) in place.
// `posternctl dmarc report send` mails them through the private Postfix's own sendmail to a local
// maildir, with the attachment's bytes those of the built file; an outside destination without
// its authorization record and one whose "!size" is too small are skipped with the reason; a
// second run sends nothing; --resend sends again with the same Report-ID.
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
    dns_->add("_dmarc.bank.test", "TXT", "\"v=DMARC1; p=reject; rua=mailto:dmarc@example.org!500\"");
    // example.org takes reports for partner.test and bank.test, not for spfonly.test.
    dns_->add("partner.test._report._dmarc.example.org", "TXT", "\"v=DMARC1\"");
    dns_->add("bank.test._report._dmarc.example.org", "TXT", "\"v=DMARC1\"");
    std::string sock = (dir_->path() / "milter.sock").string();
    log_ = (dir_->path() / "dmarc.log").string();
    dir_->write("dmarc.log", "");
    chmod(log_.c_str(), 0666);  // the milter runs as nobody
    conf_ =
        dir_->write(
                "postern.conf",
                "[log]\ndestination = \"stderr\"\n"
                "[dns]\nservers = [\"" +
                    dns_->address() + "\"]\n[milter]\nsocket = \"unix:" + sock +
                    "\"\nuser = \"nobody\"\ngroup = \"postfix\"\nauthserv_id = \"mx.example.org\"\n"
                    "[dmarc]\nenforce = true\nquarantine_action = \"header\"\n"
                    "trusted_forwarders = [\"198.51.100.0/24\"]\nmailing_list_domains = [\"lists.test\"]\n"
                    "report_log = \"" +
                    log_ +
                    "\"\n[dmarc.reports]\nenabled = true\norg_name = \"Example Org Mail\"\n"
                    "from = \"dmarc-reports@example.org\"\n"
                    "sendmail = \"" +
                    (dir_->path() / "sendmail").string() +
                    "\"\npause = \"0s\"\n"
                    "[store]\nlmdb_path = \"" +
                    (dir_->path() / "state").string() +
                    "\"\n"
                    "[dkim]\ninternal_networks = []\n")
            .string();
    milter_ = new Process({MILTER, "-f", "-c", conf_}, (dir_->path() / "milter").string());
    if (!wait_for_unix(sock)) throw std::runtime_error("milter did not start: " + milter_->output());
    PostfixOptions p;
    p.mailboxes = {"bob@example.org", "dmarc@example.org"};
    p.main_cf["smtpd_milters"] = "unix:" + sock;
    p.main_cf["local_header_rewrite_clients"] = "";
    postfix_ = new PostfixInstance(p);
    // The private Postfix's own sendmail (postdrop, pickup, cleanup, delivery), told its config.
    auto wrapper = dir_->write(
        "sendmail", "#!/bin/sh\nexec /usr/sbin/sendmail -C '" + postfix_->config_dir() + "' \"$@\"\n");
    chmod(wrapper.c_str(), 0755);
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
      auto r = inbound(
          "news@partner.test",
          signed_by_partner("From: news@partner.test\r\nTo: bob@example.org\r\nSubject: n\r\n\r\nx\r\n"),
          "203.0.113.5");
      ASSERT_EQ(r.code, 250) << r.text << milter_->output();
    }
    auto spf = inbound("a@spfonly.test", "From: a@spfonly.test\nTo: bob@example.org\nSubject: s\n\nx\n",
                       "203.0.113.6");
    ASSERT_EQ(spf.code, 250) << spf.text;
    // Not from the domain's servers: SPF fail, p=quarantine -> the header, delivered.
    auto spf_bad = inbound("a@spfonly.test", "From: a@spfonly.test\nTo: bob@example.org\nSubject: s\n\nx\n",
                           "192.0.2.99");
    ASSERT_EQ(spf_bad.code, 250) << spf_bad.text;
    // bank.test p=reject, through a trusted forwarder and through a mailing list: quarantine.
    auto fwd = inbound("ceo@bank.test", "From: ceo@bank.test\nTo: bob@example.org\nSubject: f\n\nx\n",
                       "198.51.100.9");
    ASSERT_EQ(fwd.code, 250) << fwd.text << milter_->output();
    auto list = inbound("list-bounces@lists.test",
                        "From: ceo@bank.test\nTo: bob@example.org\nSubject: l\n\nx\n", "203.0.113.7");
    ASSERT_EQ(list.code, 250) << list.text << milter_->output();
    // A spoof with no forwarder or list: rejected, and reported too.
    auto spoof =
        inbound("x@evil.test", "From: ceo@bank.test\nTo: bob@example.org\nSubject: x\n\nx\n", "192.0.2.66");
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
  auto r = run_command(
      {POSTERNCTL, "-c", conf_, "dmarc", "report", "build", "--day", today(), "--out", out.string()});
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
  EXPECT_EQ(records_with(bank, {"<source_ip>198.51.100.9</source_ip>",
                                "<disposition>quarantine</disposition>", "<type>trusted_forwarder</type>"}),
            1u)
      << bank;
  EXPECT_EQ(records_with(bank, {"<disposition>quarantine</disposition>", "<type>mailing_list</type>",
                                "<domain>lists.test</domain>", "<envelope_from>lists.test</envelope_from>"}),
            1u)
      << bank;
  EXPECT_EQ(records_with(bank, {"<source_ip>192.0.2.66</source_ip>", "<disposition>reject</disposition>"}),
            1u)
      << bank;
}

// The gzip attachment of a delivered report mail, decoded.
std::string attachment(const std::string& mail) {
  const std::string start = "Content-Transfer-Encoding: base64\n\n";
  size_t a = mail.find(start);
  if (a == std::string::npos) return "";
  a += start.size();
  size_t b = mail.find("\n--=_postern_", a);
  auto r = run_command({"base64", "-d"}, mail.substr(a, b - a));
  return r.exit_code == 0 ? r.output : "";
}

std::string header(const std::string& mail, const std::string& name) {
  size_t at = mail.find("\n" + name + ": ");
  if (at == std::string::npos) return "";
  at += name.size() + 3;
  return mail.substr(at, mail.find('\n', at) - at);
}

TEST_F(DmarcReportE2e, SendMailsThemOnceThroughPostfixAndResendKeepsTheReportId) {
  send_the_day();
  auto dry = run_command({POSTERNCTL, "-c", conf_, "dmarc", "report", "send", "--day", today(), "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("would send partner.test " + today() + " dmarc@example.org: "), std::string::npos)
      << dry.output;
  auto first = run_command({POSTERNCTL, "-c", conf_, "dmarc", "report", "send", "--day", today()});
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("sent partner.test " + today() + " dmarc@example.org: "), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("skipped spfonly.test " + today() +
                              " dmarc@example.org: unauthorized: no v=DMARC1 record at "
                              "spfonly.test._report._dmarc.example.org"),
            std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("skipped bank.test " + today() + " dmarc@example.org: report mail of "),
            std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("over the destination's limit of 500"), std::string::npos) << first.output;
  ASSERT_TRUE(postfix_->wait_for_messages("dmarc@example.org", 1)) << postfix_->maillog();
  std::string mail = postfix_->messages("dmarc@example.org")[0];
  // The attachment is byte for byte the file build writes for the day.
  auto out = dir_->path() / "built";
  std::filesystem::create_directory(out);
  auto b = run_command(
      {POSTERNCTL, "-c", conf_, "dmarc", "report", "build", "--day", today(), "--out", out.string()});
  ASSERT_EQ(b.exit_code, 0) << b.output;
  std::string built;
  for (const auto& f : std::filesystem::directory_iterator(out)) {
    if (f.path().filename().string().find("!partner.test!") != std::string::npos) built = slurp(f.path());
  }
  ASSERT_FALSE(built.empty());
  EXPECT_EQ(attachment(mail), built);
  std::string subject = header(mail, "Subject");
  EXPECT_EQ(subject.rfind("Report Domain: partner.test Submitter: example.org Report-ID: <", 0), 0u) << mail;
  EXPECT_NE(mail.find("Content-Type: application/gzip; name=\"example.org!partner.test!"), std::string::npos);
  // A second run sends nothing; --resend sends the same report again, with the same Report-ID.
  auto second = run_command({POSTERNCTL, "-c", conf_, "dmarc", "report", "send", "--day", today()});
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("skipped partner.test " + today() + " dmarc@example.org: already sent"),
            std::string::npos)
      << second.output;
  EXPECT_EQ(second.output.find("sent partner"), std::string::npos) << second.output;
  auto again =
      run_command({POSTERNCTL, "-c", conf_, "dmarc", "report", "send", "--day", today(), "--resend"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  ASSERT_TRUE(postfix_->wait_for_messages("dmarc@example.org", 2)) << postfix_->maillog();
  auto both = postfix_->messages("dmarc@example.org");
  ASSERT_EQ(both.size(), 2u);  // the second run added none
  EXPECT_EQ(header(both[1], "Subject"), subject);
  EXPECT_EQ(header(both[1], "Message-ID"), header(mail, "Message-ID"));
  EXPECT_EQ(attachment(both[1]), built);
  // Disabled: send refuses (78) and sends nothing.
  std::string off_text = slurp(conf_);
  off_text.replace(off_text.find("enabled = true"), 14, "enabled = false");
  auto off_conf = dir_->write("off.conf", off_text);
  auto off = run_command({POSTERNCTL, "-c", off_conf.string(), "dmarc", "report", "send", "--day", today()});
  EXPECT_EQ(off.exit_code, 78) << off.output;
}

}  // namespace
}  // namespace postern::test
