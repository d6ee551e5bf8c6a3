// DKIM and DMARC end to end: a real Postfix (submission authenticated through a real Dovecot, and
// an MX port), smtpd_milters pointing at the running postern-milter, and a test DNS server holding
// the keys and DMARC records. Authenticated mail is signed (and the signature verifies with
// posternctl against the published key); inbound mail is verified and stamped with exactly one
// Authentication-Results header of ours, a forged one claiming our authserv-id is removed while
// other hosts' headers stay; mail spoofing a p=reject domain is refused with 550 at end of data;
// a tampered signed message gets dkim=fail; SPF is evaluated at MAIL FROM and an SPF-aligned
// message passes DMARC without a signature.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/dkim/private_key.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/dovecot_instance.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {
namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

class MilterDkimDmarc : public ::testing::Test {
 protected:
  // A failure to start the servers fails every test (an exception escaping SetUpTestSuite would
  // only make GoogleTest skip them, which ctest counts as passed).
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
    dir_ = new TempDir("postern-milter-dkim");
    chmod(dir_->path().c_str(), 0755);
    dns_ = new TestDnsServer();
    // Our domain's key (the milter signs with it) and a partner's key (the test signs with it).
    for (const auto& [domain, file] :
         {std::pair{"example.org", "ours.key"}, std::pair{"partner.test", "partner.key"}}) {
      auto pem = generate_dkim_private_key_pem(DkimKeyType::rsa, 2048);
      if (!pem) throw std::runtime_error("keygen: " + pem.error().message);
      auto path = dir_->write(file, *pem);
      chmod(path.c_str(), 0600);
      auto key = parse_dkim_private_key(*pem);
      if (!key || !dns_->add_txt(std::string("s1._domainkey.") + domain, key->dns_record()))
        throw std::runtime_error("cannot publish the DKIM key of " + std::string(domain));
    }
    dns_->add("_dmarc.example.org", "TXT", "\"v=DMARC1; p=reject\"");
    dns_->add("_dmarc.partner.test", "TXT", "\"v=DMARC1; p=reject\"");
    dns_->add("_dmarc.bank.test", "TXT", "\"v=DMARC1; p=reject\"");
    dns_->add("spfonly.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
    dns_->add("_dmarc.spfonly.test", "TXT", "\"v=DMARC1; p=reject\"");
    std::string sock = (dir_->path() / "milter.sock").string();
    conf_ = dir_->write("postern.conf",
                        "[log]\ndestination = \"stderr\"\n"
                        "[dns]\nservers = [\"" +
                            dns_->address() +
                            "\"]\n"
                            "[milter]\nsocket = \"unix:" +
                            sock +
                            "\"\nuser = \"nobody\"\ngroup = \"postfix\"\nauthserv_id = \"mx.example.org\"\n"
                            "[dmarc]\nenforce = true\n"
                            "[dkim]\ninternal_networks = []\n"
                            "[[dkim.key]]\ndomain = \"example.org\"\nselector = \"s1\"\nkey_file = \"" +
                            (dir_->path() / "ours.key").string() + "\"\n")
                .string();
    // The key must be readable by the milter after it drops to nobody.
    chmod((dir_->path() / "ours.key").c_str(), 0644);
    milter_ = new Process({MILTER, "-f", "-c", conf_}, (dir_->path() / "milter").string());
    if (!wait_for_unix(sock)) throw std::runtime_error("milter did not start: " + milter_->output());
    DovecotOptions d;
    d.users = {{"alice@example.org", "alice-pass"}};
    dovecot_ = new DovecotInstance(d);
    PostfixOptions p;
    p.submission = true;
    p.dovecot_auth_port = dovecot_->auth_port();
    p.mailboxes = {"alice@example.org", "bob@example.org"};
    p.main_cf["smtpd_milters"] = "unix:" + sock;
    p.main_cf["local_header_rewrite_clients"] = "";
    postfix_ = new PostfixInstance(p);
  }
  static void TearDownTestSuite() {
    delete postfix_;
    delete dovecot_;
    delete milter_;
    delete dns_;
    delete dir_;
  }

  static SmtpReply inbound(const std::string& from, const std::string& message,
                           const std::string& client = "203.0.113.5") {
    SmtpSend s;
    s.port = postfix_->smtp_port();
    s.xclient = "ADDR=" + client + " NAME=[UNAVAILABLE]";
    s.helo = "mail.sender.test";
    s.from = from;
    s.to = {"bob@example.org"};
    s.message = message;
    return smtp_send(s);
  }

  // The newest message in bob's mailbox after it grew to n messages.
  static std::string bob_message(size_t n) {
    EXPECT_TRUE(postfix_->wait_for_messages("bob@example.org", n))
        << postfix_->maillog() << milter_->output();
    auto all = postfix_->messages("bob@example.org");
    return all.size() >= n ? all[n - 1] : std::string();
  }

  static std::string signed_by_partner(const std::string& message) {
    auto file = dir_->write("to-sign.eml", message);
    auto r = run_command({POSTERNCTL, "dkim", "sign", "--domain", "partner.test", "--selector", "s1", "--key",
                          (dir_->path() / "partner.key").string(), file.string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  static std::string setup_error_;
  static TempDir* dir_;
  static TestDnsServer* dns_;
  static std::string conf_;
  static Process* milter_;
  static DovecotInstance* dovecot_;
  static PostfixInstance* postfix_;
  static size_t delivered_;
};

std::string MilterDkimDmarc::setup_error_;
TempDir* MilterDkimDmarc::dir_ = nullptr;
TestDnsServer* MilterDkimDmarc::dns_ = nullptr;
std::string MilterDkimDmarc::conf_;
Process* MilterDkimDmarc::milter_ = nullptr;
DovecotInstance* MilterDkimDmarc::dovecot_ = nullptr;
PostfixInstance* MilterDkimDmarc::postfix_ = nullptr;
size_t MilterDkimDmarc::delivered_ = 0;

TEST_F(MilterDkimDmarc, AuthenticatedMailIsSignedAndTheSignatureVerifies) {
  SmtpSend s;
  s.port = postfix_->submission_port();
  s.user = "alice@example.org";
  s.password = "alice-pass";
  s.from = "alice@example.org";
  s.to = {"bob@example.org"};
  s.message = "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: signed\n\nhello Bob\n";
  auto r = smtp_send(s);
  ASSERT_EQ(r.code, 250) << r.text << milter_->output();
  std::string msg = bob_message(++delivered_);
  EXPECT_NE(msg.find("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s1;"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("Authentication-Results: mx.example.org"), std::string::npos)
      << msg;  // outbound: no stamp
  auto file = dir_->write("delivered.eml", msg);
  auto v = run_command({POSTERNCTL, "--dns", dns_->address(), "dkim", "verify", file.string()});
  EXPECT_EQ(v.output.substr(0, v.output.find('\n')), "pass") << v.output;
}

TEST_F(MilterDkimDmarc, InboundSignedMailIsVerifiedAndStampedOnce) {
  std::string msg = signed_by_partner(
      "From: news@partner.test\r\nTo: bob@example.org\r\nSubject: partner news\r\n"
      "Authentication-Results: mx.example.org; dkim=pass header.d=bank.test\r\n"
      "Authentication-Results: other.example; spf=pass smtp.mailfrom=partner.test\r\n"
      "\r\nThe news.\r\n");
  auto r = inbound("news@partner.test", msg);
  ASSERT_EQ(r.code, 250) << r.text << milter_->output();
  std::string got = bob_message(++delivered_);
  EXPECT_EQ(count(got, "Authentication-Results: mx.example.org"), 1u) << got;
  EXPECT_NE(got.find("dkim=pass"), std::string::npos) << got;
  EXPECT_NE(got.find("header.d=partner.test"), std::string::npos) << got;
  EXPECT_NE(got.find("dmarc=pass"), std::string::npos) << got;
  EXPECT_EQ(got.find("header.d=bank.test"), std::string::npos) << got;  // the forged claim is gone
  EXPECT_NE(got.find("Authentication-Results: other.example; spf=pass"), std::string::npos) << got;
}

TEST_F(MilterDkimDmarc, TamperedBodyFailsDkimAndDmarcRejects) {
  std::string msg =
      signed_by_partner("From: news@partner.test\r\nTo: bob@example.org\r\nSubject: x\r\n\r\nPay 10.\r\n");
  size_t at = msg.find("Pay 10.");
  ASSERT_NE(at, std::string::npos);
  msg.replace(at, 7, "Pay 99.");
  auto r = inbound("news@partner.test", msg);
  EXPECT_EQ(r.code, 550) << r.text;
  EXPECT_TRUE(r.has("5.7.1")) << r.text;
  EXPECT_TRUE(wait_until([&] { return milter_->output().find("dkim=fail") != std::string::npos; }))
      << milter_->output();
}

TEST_F(MilterDkimDmarc, SpoofingARejectDomainIsRefusedAtEndOfData) {
  auto r =
      inbound("ceo@bank.test", "From: CEO <ceo@bank.test>\nTo: bob@example.org\nSubject: wire\n\npay now\n");
  EXPECT_EQ(r.code, 550) << r.text;
  EXPECT_TRUE(r.has("5.7.1")) << r.text;
  auto composed =
      inbound("x@evil.test", "From: <ceo@evil.test>@bank.test\nTo: bob@example.org\nSubject: wire\n\nx\n");
  EXPECT_EQ(composed.code, 550) << composed.text;  // author_error: rejected by default
  auto two = inbound("x@evil.test",
                     "From: a@evil.test\nFrom: ceo@bank.test\nTo: bob@example.org\nSubject: w\n\nx\n");
  EXPECT_EQ(two.code, 550) << two.text;
}

}  // namespace
}  // namespace postern::test

namespace postern::test {
namespace {

TEST_F(MilterDkimDmarc, OutsideMailClaimingOurDomainWithoutOurSignatureIsRefused) {
  auto r = inbound("alice@example.org",
                   "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: hi\n\nx\n");
  EXPECT_EQ(r.code, 550) << r.text;
  EXPECT_TRUE(r.has("must come through its own mail servers")) << r.text;
}

TEST_F(MilterDkimDmarc, SpfAlignedMailPassesDmarcWithoutASignature) {
  auto r = inbound("news@spfonly.test", "From: news@spfonly.test\nTo: bob@example.org\nSubject: spf\n\nhi\n");
  ASSERT_EQ(r.code, 250) << r.text << milter_->output();
  std::string got = bob_message(++delivered_);
  EXPECT_NE(got.find("spf=pass"), std::string::npos) << got;
  EXPECT_NE(got.find("smtp.mailfrom=news@spfonly.test"), std::string::npos) << got;
  EXPECT_NE(got.find("dkim=none"), std::string::npos) << got;
  EXPECT_NE(got.find("dmarc=pass"), std::string::npos) << got;
  // From a client the domain does not list: spf=fail, no aligned DKIM either, p=reject.
  auto bad = inbound("news@spfonly.test",
                     "From: news@spfonly.test\nTo: bob@example.org\nSubject: spf\n\nhi\n", "198.51.100.9");
  EXPECT_EQ(bad.code, 550) << bad.text;
  EXPECT_TRUE(wait_until([&] { return milter_->output().find("spf=fail") != std::string::npos; }))
      << milter_->output();
}

}  // namespace
}  // namespace postern::test
