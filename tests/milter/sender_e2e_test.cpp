// Sender ownership end to end: a real Postfix whose submission port authenticates through a real
// Dovecot (SASL), with smtpd_milters pointing at the running postern-milter binary. alice may
// send as herself (and +tags) and as sales@example.org; everything else is refused with the right
// code at the right stage, and a map change is picked up without a restart.
#include <gtest/gtest.h>

#include "tests/harness/milter_stack.h"
#include "tests/harness/net.h"

namespace postern::test {
namespace {

MilterStackOptions sender_options(const std::string& mode) {
  MilterStackOptions o;
  o.milter = MILTER;
  o.dns = false;  // ownership only here (DKIM and DMARC: dkim_dmarc_e2e_test.cpp)
  o.milter_keys = "";
  o.files = {{"senders", "sales@example.org  alice@example.org\n"}};
  o.sections = "[sender]\nmode = \"" + mode + "\"\nlogin_maps = [\"@DIR@/senders\"]\n";
  if (mode == "enforce") o.sections += "[dkim]\nenabled = false\n[dmarc]\nenabled = false\n";
  o.users = {{"alice@example.org", "alice-pass"}, {"bob@example.org", "bob-pass"}};
  o.mailboxes = {"alice@example.org", "bob@example.org", "ceo@example.org", "sales@example.org"};
  o.non_smtpd_milters = true;
  return o;
}

class MilterSender : public MilterStackSuite<MilterSender> {
 public:
  static MilterStackOptions options() { return sender_options("enforce"); }

 protected:
  static SmtpReply submit(const std::string& envelope, const std::string& headers,
                          const std::string& user = "alice@example.org",
                          const std::string& password = "alice-pass") {
    return stack().submit(user, password, envelope,
                          headers + "To: bob@example.org\nSubject: ownership test\n\nbody\n");
  }
};

TEST_F(MilterSender, OwnAddressesPass) {
  auto r = submit("alice@example.org", "From: Alice <alice@example.org>\n");
  EXPECT_EQ(r.code, 250) << r.text;
  r = submit("alice+lists@example.org", "From: alice+lists@example.org\n");
  EXPECT_EQ(r.code, 250) << r.text;
  r = submit("sales@example.org", "From: Sales <sales@example.org>\nSender: alice@example.org\n");
  EXPECT_EQ(r.code, 250) << r.text;
  EXPECT_TRUE(stack().postfix().wait_for_messages("bob@example.org", 3)) << stack().postfix().maillog();
}

TEST_F(MilterSender, ForeignEnvelopeSenderIsRejectedAtMailFrom) {
  SmtpClient c("127.0.0.1", stack().postfix().submission_port());
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
  s.port = stack().postfix().smtp_port();
  s.from = "someone@outside.test";
  s.to = {"alice@example.org"};
  s.message = "From: ceo@example.org\nTo: alice@example.org\nSubject: inbound\n\nhi\n";
  auto r = smtp_send(s);
  EXPECT_EQ(r.code, 250) << r.text;
}

TEST_F(MilterSender, MapChangeIsPickedUpWithoutRestart) {
  auto before = submit("ceo@example.org", "From: ceo@example.org\n");
  EXPECT_EQ(before.code, 553) << before.text;
  stack().dir().write("senders",
                      "sales@example.org  alice@example.org\nceo@example.org  alice@example.org\n");
  SmtpReply after;
  bool ok = wait_until(
      [&] {
        after = submit("ceo@example.org", "From: ceo@example.org\n");
        return after.code == 250;
      },
      std::chrono::seconds(15));
  EXPECT_TRUE(ok) << after.text << stack().milter().output();
  stack().dir().write("senders", "sales@example.org  alice@example.org\n");
}

// Soft mode, for rollout: nothing is rejected, the message is marked and the decision logged.
TEST(MilterSenderSoft, ForgeryIsOnlyMarked) {
  MilterStackOptions o = sender_options("soft");
  o.users = {{"alice@example.org", "alice-pass"}};
  o.mailboxes = {"alice@example.org", "bob@example.org"};
  o.non_smtpd_milters = false;
  MilterStack st(o);
  auto r = st.submit("alice@example.org", "alice-pass", "alice@example.org",
                     "From: ceo@example.org\nTo: bob@example.org\nSubject: soft\n\nbody\n");
  EXPECT_EQ(r.code, 250) << r.text;
  std::string got = st.delivered("bob@example.org", 1);
  EXPECT_NE(got.find("X-Postern-Sender-Warning: From address <ceo@example.org>"), std::string::npos) << got;
  EXPECT_TRUE(wait_until([&] { return st.milter().output().find("action=warn") != std::string::npos; }))
      << st.milter().output();
}

}  // namespace
}  // namespace postern::test
