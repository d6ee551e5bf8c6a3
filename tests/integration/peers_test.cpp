// The real peers the integration tests and the demo start: mail through a private Postfix, IMAP
// and doveadm logins on a private Dovecot, SMTP AUTH on Postfix's submission port via Dovecot SASL.
#include <gtest/gtest.h>

#include "tests/harness/dovecot_instance.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/smtp_client.h"

namespace postern::test {
namespace {

const char* kMessage =
    "From: Sender <sender@outside.test>\nTo: alice@example.org\nSubject: harness\n"
    "Message-ID: <harness-1@outside.test>\n\nHello from the test.\n.leading dot\n";

TEST(PostfixInstance, DeliversMailAndRefusesRelay) {
  PostfixInstance pf;
  SmtpSend s;
  s.port = pf.smtp_port();
  s.from = "sender@outside.test";
  s.to = {"alice@example.org"};
  s.message = kMessage;
  SmtpReply r = smtp_send(s);
  ASSERT_EQ(r.code, 250) << r.text;
  ASSERT_TRUE(pf.wait_for_messages("alice@example.org", 1)) << pf.maillog();
  std::string msg = pf.messages("alice@example.org").front();
  EXPECT_NE(msg.find("Subject: harness"), std::string::npos);
  EXPECT_NE(msg.find("\n.leading dot"), std::string::npos) << "dot-stuffing undone on delivery";

  s.to = {"someone@elsewhere.test"};
  r = smtp_send(s);
  EXPECT_EQ(r.code, 554) << r.text;
  EXPECT_TRUE(r.has("Relay access denied")) << r.text;
}

TEST(PostfixInstance, XclientLetsTestsPoseAsAnotherClient) {
  PostfixInstance pf;
  SmtpSend s;
  s.port = pf.smtp_port();
  s.xclient = "ADDR=192.0.2.7 NAME=mail.outside.test";
  s.from = "sender@outside.test";
  s.to = {"bob@example.org"};
  s.message = kMessage;
  ASSERT_EQ(smtp_send(s).code, 250);
  ASSERT_TRUE(pf.wait_for_log("client=mail.outside.test[192.0.2.7]")) << pf.maillog();
}

TEST(DovecotInstance, ImapAndDoveadmLogins) {
  DovecotInstance dv;
  EXPECT_TRUE(imap_login(dv.imap_port(), "alice@example.org", "alice-secret").ok);
  auto bad = imap_login(dv.imap_port(), "alice@example.org", "wrong");
  EXPECT_FALSE(bad.ok);
  EXPECT_NE(bad.text.find("a1 NO"), std::string::npos) << bad.text;
  EXPECT_TRUE(dv.auth_test("alice@example.org", "alice-secret").success);
  EXPECT_FALSE(dv.auth_test("alice@example.org", "wrong").success);
  EXPECT_FALSE(dv.auth_test("nobody@example.org", "alice-secret").success);
}

TEST(PostfixWithDovecotSasl, SubmissionRequiresAuthentication) {
  DovecotInstance dv;
  PostfixOptions o;
  o.submission = true;
  o.dovecot_auth_port = dv.auth_port();
  PostfixInstance pf(o);

  SmtpSend s;
  s.port = pf.submission_port();
  s.user = "alice@example.org";
  s.password = "alice-secret";
  s.from = "alice@example.org";
  s.to = {"bob@example.org", "friend@elsewhere.test"};
  s.message = "From: alice@example.org\nTo: bob@example.org\nSubject: submitted\n\nhi\n";
  SmtpReply r = smtp_send(s);
  EXPECT_EQ(r.code, 250) << r.text;
  EXPECT_TRUE(pf.wait_for_messages("bob@example.org", 1)) << pf.maillog();

  s.password = "wrong";
  r = smtp_send(s);
  EXPECT_EQ(r.code, 535) << r.text;

  SmtpSend anon = s;
  anon.user.clear();
  r = smtp_send(anon);
  EXPECT_GE(r.code, 500) << r.text;
}

}  // namespace
}  // namespace postern::test
