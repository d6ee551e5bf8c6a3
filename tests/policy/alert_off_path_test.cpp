// The alert mails of postern-policyd's send limits and account guard leave the request path:
// with a sender stuck as a hung /usr/sbin/sendmail would be (tests/harness/gated_sender.h), the
// refusal and the HOLD are answered at once, and the mails go out once the sender moves, one per
// limit and window and one per hold.
#include <gtest/gtest.h>

#include <future>

#include "tests/harness/gated_sender.h"
#include "tests/policy/policy_service_fixture.h"

namespace postern {
namespace {

class AlertOffPathTest : public test::PolicyServiceFixture {
 protected:
  AlertOffPathTest() : PolicyServiceFixture(std::chrono::milliseconds(300)) {
    config_.ratelimit.enabled = true;
    config_.ratelimit.alert_to = "postmaster@example.org";
    config_.ratelimit.limits = {SendLimit{LimitBy::login, 3600, 1, 0, 0}};
    guard_.enabled = true;
    guard_.threshold = 5;  // the ratelimit sign alone holds here
    guard_.alert_to = "postmaster@example.org";
    alerts_ = std::make_shared<AlertQueue>(log_, clock_, gate_.sender());
  }
  ~AlertOffPathTest() override {
    gate_.open();  // lets the sender thread end if a test failed before it did
    service_.reset();
    alerts_.reset();
  }
  // One END-OF-MESSAGE request of the login, answered within a bound the test checks.
  std::string end_of_message(const std::string& login) {
    PolicyRequest r;
    r.attrs = {{"request", "smtpd_access_policy"},
               {"protocol_state", "END-OF-MESSAGE"},
               {"client_address", "198.51.100.4"},
               {"sasl_username", login},
               {"sender", login},
               {"recipient_count", "1"},
               {"size", "2048"}};
    (void)service();
    auto answer = std::async(std::launch::async, [this, r] { return service_->decide(r); });
    if (answer.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      ADD_FAILURE() << "the answer waited for the alert mail";
      gate_.open();
    }
    return answer.get();
  }
  test::GatedSender gate_;
};

TEST_F(AlertOffPathTest, RefusalAndHoldAreAnsweredWhileTheSenderIsStuckTheMailsFollow) {
  EXPECT_EQ(end_of_message("alice@example.org"), "DUNNO");
  EXPECT_EQ(end_of_message("alice@example.org"),
            "DEFER_IF_PERMIT 4.7.1 Sending limit of 1 messages per 1h reached, try again in 66 minutes");
  ASSERT_TRUE(gate_.wait_entered(1));  // the limit's alert is stuck in "sendmail"
  // The sign held the login: its next message is held, answered at once though a second alert
  // now waits behind the stuck one.
  EXPECT_EQ(end_of_message("alice@example.org"), "HOLD account held by the Postern account guard");
  EXPECT_EQ(end_of_message("alice@example.org"), "HOLD account held by the Postern account guard");
  EXPECT_EQ(end_of_message("bob@example.org"), "DUNNO");
  EXPECT_TRUE(gate_.sent().empty());
  gate_.open();
  ASSERT_TRUE(gate_.wait_sent(2));
  alerts_->stop();
  auto sent = gate_.sent();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(
      sent[0].message.find("Subject: Send limit reached: login alice@example.org (1 messages per 1h)\n"),
      std::string::npos)
      << sent[0].message;
  EXPECT_NE(sent[1].message.find("Subject: Account held: alice@example.org"), std::string::npos)
      << sent[1].message;
  EXPECT_EQ(sent[1].sendmail, "/usr/sbin/sendmail");
  EXPECT_EQ(sent[1].to, "postmaster@example.org");
  EXPECT_EQ(logged("alert_sent login=alice@example.org limit=1/1h to=postmaster@example.org\n"), 1u)
      << sink_->text();
  EXPECT_EQ(logged("alert_sent login=alice@example.org what=\"account held\" to=postmaster@example.org\n"),
            1u)
      << sink_->text();
  EXPECT_EQ(logged("alert_sent"), 2u) << sink_->text();
}

}  // namespace
}  // namespace postern
