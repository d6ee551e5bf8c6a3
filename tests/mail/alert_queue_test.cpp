// AlertQueue (common/mail/alert_queue.h) with a sender that blocks until the test lets it go (a
// stuck sendmail): post() returns at once, the mails go out in order once the sender moves, an
// overflow is logged once when it begins and once when there is room again, and a stop drains
// what it can within the drain time and logs what it drops.
#include "common/mail/alert_queue.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "tests/harness/gated_sender.h"
#include "tests/harness/net.h"
#include "tests/harness/process.h"

namespace postern {
namespace {

AlertMail mail(const std::string& login) {
  return AlertMail{
      "/usr/sbin/sendmail", "postmaster@example.org", "Subject: x\n\nbody\n", {{"login", login}}};
}

struct AlertQueueTest : ::testing::Test {
  FakeClock clock;
  std::shared_ptr<MemorySink> sink = std::make_shared<MemorySink>();
  std::shared_ptr<Logger> log = std::make_shared<Logger>(sink, LogLevel::debug);
  test::GatedSender gate;
};

TEST_F(AlertQueueTest, PostReturnsWhileTheSenderIsStuckAndTheMailsGoOutInOrderAfter) {
  AlertQueue q(log, clock, gate.sender());
  ASSERT_TRUE(q.post(mail("a@example.org")));
  ASSERT_TRUE(gate.wait_entered(1));  // the sender is stuck in the first mail
  // Posting more does not wait for it.
  auto more = std::async(std::launch::async, [&] { return q.post(mail("b@example.org")); });
  ASSERT_EQ(more.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(more.get());
  EXPECT_TRUE(gate.sent().empty());
  gate.open();
  ASSERT_TRUE(gate.wait_sent(2));
  EXPECT_EQ(gate.sent()[0].about[0].second, "a@example.org");
  EXPECT_EQ(gate.sent()[1].about[0].second, "b@example.org");
  q.stop();
  EXPECT_EQ(sink->text(),
            "alert_sent login=a@example.org to=postmaster@example.org\n"
            "alert_sent login=b@example.org to=postmaster@example.org\n");
}

TEST_F(AlertQueueTest, AFullQueueDropsAndSaysSoOnceThenOnceWhenThereIsRoomAgain) {
  AlertQueue q(log, clock, gate.sender(), 2);
  ASSERT_TRUE(q.post(mail("a@example.org")));
  ASSERT_TRUE(gate.wait_entered(1));  // taken off the queue, stuck in sendmail
  EXPECT_TRUE(q.post(mail("b@example.org")));
  EXPECT_TRUE(q.post(mail("c@example.org")));
  for (const char* who : {"d@example.org", "e@example.org", "f@example.org"}) EXPECT_FALSE(q.post(mail(who)));
  EXPECT_EQ(sink->text(),
            "alert_queue_full max=2 outcome=\"alert mails dropped until the queue has room (counted)\"\n");
  gate.open();
  ASSERT_TRUE(gate.wait_sent(3));
  EXPECT_TRUE(q.post(mail("g@example.org")));
  ASSERT_TRUE(gate.wait_sent(4));
  q.stop();
  const std::string text = sink->text();
  EXPECT_EQ(test::occurrences(text, "alert_queue_full"), 1u) << text;
  EXPECT_EQ(test::occurrences(text, "alert_queue_recovered dropped=3\n"), 1u) << text;
  EXPECT_EQ(test::occurrences(text, "alert_sent "), 4u) << text;
  EXPECT_EQ(test::occurrences(text, "login=d@example.org"), 0u) << text;
}

TEST_F(AlertQueueTest, StopSendsWhatIsQueuedWithinTheDrainTime) {
  AlertQueue q(log, clock, gate.sender());
  ASSERT_TRUE(q.post(mail("a@example.org")));
  ASSERT_TRUE(gate.wait_entered(1));
  EXPECT_TRUE(q.post(mail("b@example.org")));
  std::thread stopper([&] { q.stop(); });
  ASSERT_TRUE(test::wait_until([&] { return q.stopping(); }, std::chrono::seconds(10)));
  EXPECT_FALSE(q.post(mail("c@example.org")));  // no new mail once stopping
  gate.open();
  stopper.join();
  EXPECT_EQ(gate.sent().size(), 2u);
  EXPECT_EQ(test::occurrences(sink->text(), "alerts_dropped"), 0u) << sink->text();
}

TEST_F(AlertQueueTest, StopLogsWhatItCouldNotSendWithinTheDrainTime) {
  AlertQueue q(log, clock, gate.sender(), kMaxQueuedAlerts, std::chrono::milliseconds(5000));
  ASSERT_TRUE(q.post(mail("a@example.org")));
  ASSERT_TRUE(gate.wait_entered(1));
  EXPECT_TRUE(q.post(mail("b@example.org")));
  EXPECT_TRUE(q.post(mail("c@example.org")));
  std::thread stopper([&] { q.stop(); });
  ASSERT_TRUE(test::wait_until([&] { return q.stopping(); }, std::chrono::seconds(10)));
  clock.advance(std::chrono::milliseconds(5000));  // the stuck mail used up the drain time
  gate.open();
  stopper.join();
  EXPECT_EQ(gate.sent().size(), 1u);
  EXPECT_EQ(test::occurrences(sink->text(), "alerts_dropped count=2 reason=stopping waited_ms=5000\n"), 1u)
      << sink->text();
}

}  // namespace
}  // namespace postern
