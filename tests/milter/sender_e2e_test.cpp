// Sender ownership end to end: a real Postfix whose submission port authenticates through a real
// Dovecot (SASL), with smtpd_milters pointing at the running postern-milter binary. alice may
// send as herself (and +tags) and as sales@example.org; everything else is refused with the right
// code at the right stage, and a map change is picked up without a restart.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/harness/dovecot_instance.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {
namespace {

class MilterSender : public ::testing::Test {
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
    dir_ = new TempDir("postern-milter-test");
    chmod(dir_->path().c_str(), 0755);
    map_ = dir_->write("senders", "sales@example.org  alice@example.org\n").string();
    std::string sock = (dir_->path() / "milter.sock").string();
    auto conf = dir_->write("postern.conf",
                            "[log]\ndestination = \"stderr\"\n"
                            "[milter]\nsocket = \"unix:" +
                                sock +
                                "\"\nuser = \"nobody\"\n"
                                "group = \"postfix\"\n"
                                "[sender]\nmode = \"enforce\"\nlogin_maps = [\"" +
                                map_ +
                                "\"]\n"
                                // Ownership only here (DKIM and DMARC: dkim_dmarc_e2e_test.cpp); no DNS.
                                "[dkim]\nenabled = false\n[dmarc]\nenabled = false\n");
    milter_ = new Process({MILTER, "-f", "-c", conf.string()}, (dir_->path() / "milter").string());
    if (!wait_for_unix(sock)) throw std::runtime_error("milter did not start: " + milter_->output());
    DovecotOptions d;
    d.users = {{"alice@example.org", "alice-pass"}, {"bob@example.org", "bob-pass"}};
    dovecot_ = new DovecotInstance(d);
    PostfixOptions p;
    p.submission = true;
    p.dovecot_auth_port = dovecot_->auth_port();
    p.mailboxes = {"alice@example.org", "bob@example.org", "ceo@example.org", "sales@example.org"};
    p.main_cf["smtpd_milters"] = "unix:" + sock;
    p.main_cf["non_smtpd_milters"] = "unix:" + sock;
    // Our loopback client would count as "local" and get a From: added by cleanup for a message
    // without one; real submission clients are remote, so treat this one as remote too.
    p.main_cf["local_header_rewrite_clients"] = "";
    postfix_ = new PostfixInstance(p);
  }
  static void TearDownTestSuite() {
    delete postfix_;
    delete dovecot_;
    delete milter_;
    delete dir_;
  }

  static SmtpReply submit(const std::string& envelope, const std::string& headers,
                          const std::string& user = "alice@example.org",
                          const std::string& password = "alice-pass") {
    SmtpSend s;
    s.port = postfix_->submission_port();
    s.user = user;
    s.password = password;
    s.from = envelope;
    s.to = {"bob@example.org"};
    s.message = headers + "To: bob@example.org\nSubject: ownership test\n\nbody\n";
    return smtp_send(s);
  }

  static std::string setup_error_;
  static TempDir* dir_;
  static std::string map_;
  static Process* milter_;
  static DovecotInstance* dovecot_;
  static PostfixInstance* postfix_;
};

std::string MilterSender::setup_error_;
TempDir* MilterSender::dir_ = nullptr;
std::string MilterSender::map_;
Process* MilterSender::milter_ = nullptr;
DovecotInstance* MilterSender::dovecot_ = nullptr;
PostfixInstance* MilterSender::postfix_ = nullptr;

TEST_F(MilterSender, OwnAddressesPass) {
  auto r = submit("alice@example.org", "From: Alice <alice@example.org>\n");
  EXPECT_EQ(r.code, 250) << r.text;
  r = submit("alice+lists@example.org", "From: alice+lists@example.org\n");
  EXPECT_EQ(r.code, 250) << r.text;
  r = submit("sales@example.org", "From: Sales <sales@example.org>\nSender: alice@example.org\n");
  EXPECT_EQ(r.code, 250) << r.text;
  EXPECT_TRUE(postfix_->wait_for_messages("bob@example.org", 3)) << postfix_->maillog();
}

TEST_F(MilterSender, ForeignEnvelopeSenderIsRejectedAtMailFrom) {
  SmtpClient c("127.0.0.1", postfix_->submission_port());
  c.ehlo("client.test");
  ASSERT_EQ(c.auth_plain("alice@example.org", "alice-pass").code, 235);
  auto r = c.mail_from("ceo@example.org");
  EXPECT_EQ(r.code, 553) << r.text;
  EXPECT_TRUE(r.has("5.7.1")) << r.text;
  EXPECT_TRUE(r.has("ceo@example.org")) << r.text;
}

struct Forgery {
  const char* headers;
};

class MilterForgedHeaders : public MilterSender, public ::testing::WithParamInterface<const char*> {};

TEST_P(MilterForgedHeaders, AreRejectedAtEndOfData) {
  auto r = submit("alice@example.org", GetParam());
  EXPECT_EQ(r.code, 550) << GetParam() << "\n" << r.text;
  EXPECT_TRUE(r.has("5.7.1")) << r.text;
}

INSTANTIATE_TEST_SUITE_P(Spoofs, MilterForgedHeaders,
                         ::testing::Values("From: ceo@example.org\n",
                                           "From: \"alice@example.org\" <ceo@example.org>\n",
                                           "From: <ceo@example.org>@example.org\n",
                                           "From: alice@example.org\nFrom: ceo@example.org\n",
                                           "From: alice@example.org, ceo@example.org\n",
                                           "From: alice@example.org\nSender: ceo@example.org\n",
                                           "From: Alice@example.org\n", "From: alice@ex\xc3\xa4mple.org\n",
                                           "Subject: no from at all\n"));

TEST_F(MilterSender, UnauthenticatedInboundMailIsNotJudgedForOwnership) {
  SmtpSend s;
  s.port = postfix_->smtp_port();
  s.from = "someone@outside.test";
  s.to = {"alice@example.org"};
  s.message = "From: ceo@example.org\nTo: alice@example.org\nSubject: inbound\n\nhi\n";
  auto r = smtp_send(s);
  EXPECT_EQ(r.code, 250) << r.text;
}

TEST_F(MilterSender, MapChangeIsPickedUpWithoutRestart) {
  auto before = submit("ceo@example.org", "From: ceo@example.org\n");
  EXPECT_EQ(before.code, 553) << before.text;
  dir_->write("senders", "sales@example.org  alice@example.org\nceo@example.org  alice@example.org\n");
  SmtpReply after;
  bool ok = wait_until(
      [&] {
        after = submit("ceo@example.org", "From: ceo@example.org\n");
        return after.code == 250;
      },
      std::chrono::seconds(15));
  EXPECT_TRUE(ok) << after.text << milter_->output();
  dir_->write("senders", "sales@example.org  alice@example.org\n");
}

// Soft mode, for rollout: nothing is rejected, the message is marked and the decision logged.
TEST(MilterSenderSoft, ForgeryIsOnlyMarked) {
  TempDir dir("postern-milter-soft");
  chmod(dir.path().c_str(), 0755);
  std::string sock = (dir.path() / "milter.sock").string();
  auto map = dir.write("senders", "sales@example.org  alice@example.org\n");
  auto conf =
      dir.write("postern.conf", "[log]\ndestination = \"stderr\"\n[milter]\nsocket = \"unix:" + sock +
                                    "\"\nuser = \"nobody\"\ngroup = \"postfix\"\n[sender]\nmode = \"soft\"\n"
                                    "login_maps = [\"" +
                                    map.string() + "\"]\n");
  Process milter({MILTER, "-f", "-c", conf.string()}, (dir.path() / "milter").string());
  ASSERT_TRUE(wait_for_unix(sock)) << milter.output();
  DovecotOptions d;
  d.users = {{"alice@example.org", "alice-pass"}};
  DovecotInstance dovecot(d);
  PostfixOptions p;
  p.submission = true;
  p.dovecot_auth_port = dovecot.auth_port();
  p.main_cf["smtpd_milters"] = "unix:" + sock;
  p.main_cf["local_header_rewrite_clients"] = "";
  PostfixInstance postfix(p);
  SmtpSend s;
  s.port = postfix.submission_port();
  s.user = "alice@example.org";
  s.password = "alice-pass";
  s.from = "alice@example.org";
  s.to = {"bob@example.org"};
  s.message = "From: ceo@example.org\nTo: bob@example.org\nSubject: soft\n\nbody\n";
  auto r = smtp_send(s);
  EXPECT_EQ(r.code, 250) << r.text;
  ASSERT_TRUE(postfix.wait_for_messages("bob@example.org", 1)) << postfix.maillog();
  EXPECT_NE(postfix.messages("bob@example.org")
                .back()
                .find("X-Postern-Sender-Warning: From address <ceo@example.org>"),
            std::string::npos)
      << postfix.messages("bob@example.org").back();
  EXPECT_TRUE(wait_until([&] { return milter.output().find("action=warn") != std::string::npos; }))
      << milter.output();
}

}  // namespace
}  // namespace postern::test
