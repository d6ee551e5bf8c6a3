// DMARC aggregate reports end to end, on the shared milter fixture (tests/harness/milter_stack.h): a
// real Postfix with postern-milter as smtpd_milters and non_smtpd_milters, and the test DNS server;
// mail from several senders (DKIM pass, SPF-aligned pass, SPF fail, a trusted forwarder and a
// mailing list overriding reject, one message to recipients in two domains) fills [dmarc]
// report_log as the real milter writes it; `posternctl dmarc report build` turns the day into one
// report per policy domain, each valid against RFC 9990's schema (xmllint), with identical
// messages counted in one record, one row per recipient domain, and the report facts (selector,
// envelope domains, SPF scope, override reasons) in place. `posternctl dmarc report send` mails
// them through the private Postfix's own sendmail to a local maildir, DKIM-signed by the milter
// on the way (non_smtpd_milters; the signature verifies through posternctl dkim verify), with the
// attachment's bytes those of the built file; an outside destination without its authorization
// record and one whose "!size" is too small are skipped with the reason; a second run sends
// nothing; --resend sends again with the same Report-ID.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "common/dkim/private_key.h"
#include "tests/harness/milter_stack.h"
#include "tests/harness/net.h"
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

class DmarcReportE2e : public MilterStackSuite<DmarcReportE2e> {
 public:
  static MilterStackOptions options() {
    MilterStackOptions o;
    o.milter = MILTER;
    o.dir_prefix = "postern-dmarc-report";
    o.dkim_keys = {"partner.test", "example.org"};
    o.key_type = DkimKeyType::ed25519;
    o.key_bits = 0;
    o.signing_domains = {"example.org"};  // the report mails, signed through non_smtpd_milters
    o.non_smtpd_milters = true;
    o.files = {{"dmarc.log", ""}};
    o.prepare = [](const std::filesystem::path& dir) {
      chmod((dir / "dmarc.log").c_str(), 0666);  // the milter runs as nobody
    };
    o.sections =
        "[dmarc]\nenforce = true\nquarantine_action = \"header\"\n"
        "trusted_forwarders = [\"198.51.100.0/24\"]\nmailing_list_domains = [\"lists.test\"]\n"
        "report_log = \"@DIR@/dmarc.log\"\n"
        "[dmarc.reports]\nenabled = true\norg_name = \"Example Org Mail\"\n"
        "from = \"dmarc-reports@example.org\"\nsendmail = \"@DIR@/sendmail\"\npause = \"0s\"\n"
        "[store]\nlmdb_path = \"@DIR@/state\"\n";
    o.domains = {"example.org", "example.net"};
    o.mailboxes = {"bob@example.org", "dmarc@example.org", "carol@example.net"};
    return o;
  }
  static void SetUpTestSuite() {
    MilterStackSuite<DmarcReportE2e>::SetUpTestSuite();
    if (!stack_) return;
    TestDnsServer& dns = stack().dns();
    dns.add("_dmarc.partner.test", "TXT", "\"v=DMARC1; p=reject; rua=mailto:dmarc@example.org\"");
    dns.add("spfonly.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
    dns.add("_dmarc.spfonly.test", "TXT", "\"v=DMARC1; p=quarantine; fo=1; rua=mailto:dmarc@example.org\"");
    dns.add("lists.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
    dns.add("_dmarc.bank.test", "TXT", "\"v=DMARC1; p=reject; rua=mailto:dmarc@example.org!500\"");
    // example.org takes reports for partner.test and bank.test, not for spfonly.test.
    dns.add("partner.test._report._dmarc.example.org", "TXT", "\"v=DMARC1\"");
    dns.add("bank.test._report._dmarc.example.org", "TXT", "\"v=DMARC1\"");
    // The private Postfix's own sendmail (postdrop, pickup, cleanup with the milter, delivery).
    auto wrapper = stack().dir().write("sendmail", "#!/bin/sh\nexec /usr/sbin/sendmail -C '" +
                                                       stack().postfix().config_dir() + "' \"$@\"\n");
    chmod(wrapper.c_str(), 0755);
  }

 protected:
  static std::string conf() { return stack().config_file(); }
  static std::string log_path() { return (stack().dir().path() / "dmarc.log").string(); }

  static SmtpReply inbound(const std::string& from, const std::string& message, const std::string& client,
                           const std::vector<std::string>& to = {"bob@example.org"}) {
    return stack().inbound(from, message, client, to);
  }

  static std::string signed_by_partner(const std::string& message) {
    return stack().signed_by(POSTERNCTL, "partner.test", message);
  }

  static std::string today() {
    time_t now = time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return buf;
  }

  // The mail of the test: 8 evaluations over 3 policy domains; one message has recipients in two
  // domains.
  static void send_the_day() {
    const size_t before = count(slurp(log_path()), "\n");
    for (int i = 0; i < 3; ++i) {
      std::vector<std::string> to = {"bob@example.org"};
      if (i == 2) to = {"bob@example.org", "carol@example.net"};
      auto r = inbound(
          "news@partner.test",
          signed_by_partner("From: news@partner.test\r\nTo: bob@example.org\r\nSubject: n\r\n\r\nx\r\n"),
          "203.0.113.5", to);
      ASSERT_EQ(r.code, 250) << r.text << stack().milter().output();
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
    ASSERT_EQ(fwd.code, 250) << fwd.text << stack().milter().output();
    auto list = inbound("list-bounces@lists.test",
                        "From: ceo@bank.test\nTo: bob@example.org\nSubject: l\n\nx\n", "203.0.113.7");
    ASSERT_EQ(list.code, 250) << list.text << stack().milter().output();
    // A spoof with no forwarder or list: rejected, and reported too.
    auto spoof =
        inbound("x@evil.test", "From: ceo@bank.test\nTo: bob@example.org\nSubject: x\n\nx\n", "192.0.2.66");
    ASSERT_EQ(spoof.code, 550) << spoof.text;
    ASSERT_TRUE(wait_until([&] { return count(slurp(log_path()), "\n") >= before + 8; }))
        << slurp(log_path()) << stack().milter().output();
  }
};

TEST_F(DmarcReportE2e, TheMiltersLogBuildsValidAggregatedReports) {
  send_the_day();
  std::string log = slurp(log_path());
  EXPECT_EQ(count(log, "\"selector\":\"s1\""), 3u) << log;
  EXPECT_EQ(count(log, "\"envelope_to\":[\"example.org\"]"), 7u) << log;
  EXPECT_EQ(count(log, "\"envelope_to\":[\"example.org\",\"example.net\"]"), 1u) << log;
  auto out = stack().dir().path() / "reports";
  std::filesystem::create_directory(out);
  auto r = run_command(
      {POSTERNCTL, "-c", conf(), "dmarc", "report", "build", "--day", today(), "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> xml;  // policy domain -> report
  for (const auto& f : std::filesystem::directory_iterator(out)) {
    std::string name = f.path().filename().string();
    EXPECT_EQ(name.rfind("example.org!", 0), 0u) << name;
    EXPECT_EQ(name.substr(name.size() - 7), ".xml.gz") << name;
    auto text = gunzip_bounded(slurp(f.path()), 1 << 20, 1000);
    ASSERT_TRUE(text) << name;
    std::string domain = name.substr(12, name.find('!', 12) - 12);
    auto plain = stack().dir().write(domain + ".xml", *text);
    auto v = run_command({XMLLINT, "--noout", "--nonet", "--schema", DMARC_XSD, plain.string()});
    EXPECT_EQ(v.exit_code, 0) << name << "\n" << v.output << *text;
    xml[domain] = *text;
  }
  ASSERT_EQ(xml.size(), 3u) << r.output;
  // One row per recipient domain: the message to example.org and example.net counts in both.
  EXPECT_NE(r.output.find("partner.test records=2 messages=3\n"), std::string::npos) << r.output;
  const std::string& partner = xml["partner.test"];
  EXPECT_EQ(count(partner, "<record>"), 2u) << partner;
  EXPECT_EQ(records_with(partner, {"<count>3</count>", "<source_ip>203.0.113.5</source_ip>",
                                   "<disposition>pass</disposition>", "<dkim>pass</dkim>",
                                   "<selector>s1</selector>", "<envelope_from>partner.test</envelope_from>",
                                   "<envelope_to>example.org</envelope_to>"}),
            1u)
      << partner;
  EXPECT_EQ(records_with(partner, {"<count>1</count>", "<source_ip>203.0.113.5</source_ip>",
                                   "<disposition>pass</disposition>", "<selector>s1</selector>",
                                   "<envelope_to>example.net</envelope_to>"}),
            1u)
      << partner;
  EXPECT_EQ(partner.find("<error>"), std::string::npos) << partner;
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
  auto dry =
      run_command({POSTERNCTL, "-c", conf(), "dmarc", "report", "send", "--day", today(), "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_NE(dry.output.find("would send partner.test " + today() + " dmarc@example.org: "), std::string::npos)
      << dry.output;
  auto first = run_command({POSTERNCTL, "-c", conf(), "dmarc", "report", "send", "--day", today()});
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
  ASSERT_TRUE(stack().postfix().wait_for_messages("dmarc@example.org", 1)) << stack().postfix().maillog();
  std::string mail = stack().postfix().messages("dmarc@example.org")[0];
  // postern-milter signed it on the way (non_smtpd_milters), and the signature verifies.
  EXPECT_EQ(count(mail, "\nDKIM-Signature: "), 1u) << mail;
  auto signed_file = stack().dir().write("report-mail.eml", mail);
  auto verified =
      run_command({POSTERNCTL, "--dns", stack().dns().address(), "dkim", "verify", signed_file.string()});
  EXPECT_EQ(verified.exit_code, 0) << verified.output;
  EXPECT_EQ(verified.output.rfind("pass\npass d=example.org s=s1 a=ed25519-sha256", 0), 0u)
      << verified.output;
  // The attachment is byte for byte the file build writes for the day.
  auto out = stack().dir().path() / "built";
  std::filesystem::create_directory(out);
  auto b = run_command(
      {POSTERNCTL, "-c", conf(), "dmarc", "report", "build", "--day", today(), "--out", out.string()});
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
  auto second = run_command({POSTERNCTL, "-c", conf(), "dmarc", "report", "send", "--day", today()});
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("skipped partner.test " + today() + " dmarc@example.org: already sent"),
            std::string::npos)
      << second.output;
  EXPECT_EQ(second.output.find("sent partner"), std::string::npos) << second.output;
  auto again =
      run_command({POSTERNCTL, "-c", conf(), "dmarc", "report", "send", "--day", today(), "--resend"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  ASSERT_TRUE(stack().postfix().wait_for_messages("dmarc@example.org", 2)) << stack().postfix().maillog();
  auto both = stack().postfix().messages("dmarc@example.org");
  ASSERT_EQ(both.size(), 2u);  // the second run added none
  EXPECT_EQ(header(both[1], "Subject"), subject);
  EXPECT_EQ(header(both[1], "Message-ID"), header(mail, "Message-ID"));
  EXPECT_EQ(attachment(both[1]), built);
  // Disabled: send refuses (78) and sends nothing.
  std::string off_text = slurp(conf());
  off_text.replace(off_text.find("enabled = true"), 14, "enabled = false");
  auto off_conf = stack().dir().write("off.conf", off_text);
  auto off = run_command({POSTERNCTL, "-c", off_conf.string(), "dmarc", "report", "send", "--day", today()});
  EXPECT_EQ(off.exit_code, 78) << off.output;
}

}  // namespace
}  // namespace postern::test
