// Tests AccountGuard (common/guard/account_guard.h) on a FakeClock over the in-memory store:
// weights and threshold, one kind of sign never holding alone by default, memory, recipient
// domains, the hold claimed once, release forgetting everything, admin holds, listing.
#include "common/guard/account_guard.h"

#include <gtest/gtest.h>

#include "common/store/memory_store.h"

namespace postern {
namespace {

struct CaptureSink : LogSink {
  std::vector<std::string> lines;
  void write(LogLevel, std::string_view line) override { lines.emplace_back(line); }
  size_t count(const std::string& what) const {
    size_t n = 0;
    for (const auto& l : lines) n += l.find(what) != std::string::npos;
    return n;
  }
};

struct GuardTest : ::testing::Test {
  FakeClock clock;
  MemoryStore store{clock};
  std::shared_ptr<CaptureSink> sink = std::make_shared<CaptureSink>();
  std::shared_ptr<Logger> log = std::make_shared<Logger>(sink, LogLevel::debug);
  AccountGuardConfig config() {
    AccountGuardConfig c;
    c.enabled = true;
    c.recipient_domains = 3;
    return c;
  }
};

TEST_F(GuardTest, TwoDifferentSignsHoldOneRepeatedNever) {
  AccountGuard g(store, clock, config(), log);
  for (int i = 0; i < 20; ++i)
    EXPECT_FALSE(*g.record(GuardSignal::ratelimit, "Alice@example.org", "limit=3/1h"));
  EXPECT_FALSE(*g.held("alice@example.org"));
  auto st = g.status("alice@example.org");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->score, 5);
  ASSERT_EQ(st->signs.size(), 1u);
  EXPECT_EQ(st->signs[0].count, 20);
  EXPECT_EQ(st->signs[0].detail, "limit=3/1h");
  auto r = g.record(GuardSignal::sender_refused, "alice@example.org", "MAIL FROM ceo@example.org");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r);
  EXPECT_TRUE(*g.held("ALICE@example.org"));
  st = g.status("alice@example.org");
  EXPECT_TRUE(st->held);
  EXPECT_EQ(st->held_since, clock.unix_seconds());
  EXPECT_EQ(st->hold_reason,
            "score 10 of 10: ratelimit=5 (limit=3/1h), sender_refused=5 (MAIL FROM ceo@example.org)");
  // Further signs do not hold again or log again.
  EXPECT_FALSE(*g.record(GuardSignal::sender_refused, "alice@example.org", "again"));
  EXPECT_EQ(sink->count("account_hold login=alice@example.org"), 1u);
  EXPECT_FALSE(*g.held("bob@example.org"));
}

TEST_F(GuardTest, SignsAreForgottenAfterTheMemory) {
  auto c = config();
  c.memory = Seconds(3600);
  AccountGuard g(store, clock, c, log);
  ASSERT_TRUE(g.record(GuardSignal::ratelimit, "a@x", "1").ok());
  clock.advance(Seconds(3600));
  EXPECT_FALSE(*g.record(GuardSignal::new_network, "a@x", "from 203.0.113.0/24 after 5 failures"));
  EXPECT_EQ(g.status("a@x")->score, 5);
  clock.advance(Seconds(1800));
  EXPECT_TRUE(*g.record(GuardSignal::sender_refused, "a@x", "x"));
}

TEST_F(GuardTest, WeightsAndThresholdAreTheAdminsChoice) {
  auto c = config();
  c.threshold = 4;
  c.weight_sender_refused = 4;
  c.weight_ratelimit = 0;  // ignored
  AccountGuard g(store, clock, c, log);
  EXPECT_FALSE(*g.record(GuardSignal::ratelimit, "a@x", "1"));
  EXPECT_TRUE(g.status("a@x")->signs.empty());
  EXPECT_TRUE(*g.record(GuardSignal::sender_refused, "a@x", "1"));
  c.enabled = false;
  AccountGuard off(store, clock, c, log);
  EXPECT_FALSE(*off.record(GuardSignal::sender_refused, "b@x", "1"));
  EXPECT_FALSE(*off.held("b@x"));
}

TEST_F(GuardTest, ManyDistinctRecipientDomainsAreASign) {
  AccountGuard g(store, clock, config(), log);
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(*g.note_recipient_domain("a@x", "same.example"));
  EXPECT_FALSE(*g.note_recipient_domain("a@x", "two.example"));
  EXPECT_TRUE(g.status("a@x")->signs.empty());
  EXPECT_FALSE(*g.note_recipient_domain("a@x", "THREE.example"));
  auto st = g.status("a@x");
  ASSERT_EQ(st->signs.size(), 1u);
  EXPECT_EQ(st->signs[0].signal, GuardSignal::recipient_domains);
  EXPECT_EQ(st->signs[0].detail, "3 recipient domains within 3600s");
  // The window ends: counting starts again.
  clock.advance(Seconds(3600));
  EXPECT_FALSE(*g.note_recipient_domain("a@x", "same.example"));
}

TEST_F(GuardTest, ReleaseForgetsHoldAndSignsAndAHoldCanComeAgain) {
  AccountGuard g(store, clock, config(), log);
  ASSERT_TRUE(g.record(GuardSignal::ratelimit, "a@x", "1").ok());
  ASSERT_TRUE(*g.record(GuardSignal::sender_refused, "a@x", "1"));
  ASSERT_TRUE(*g.claim_alert("a@x"));
  EXPECT_FALSE(*g.claim_alert("a@x"));
  EXPECT_TRUE(*g.release("a@x"));
  EXPECT_FALSE(*g.held("a@x"));
  EXPECT_EQ(g.status("a@x")->score, 0);
  EXPECT_FALSE(*g.release("a@x"));
  ASSERT_TRUE(g.record(GuardSignal::ratelimit, "a@x", "1").ok());
  EXPECT_TRUE(*g.record(GuardSignal::sender_refused, "a@x", "1"));
  EXPECT_TRUE(*g.claim_alert("a@x"));  // a new hold, a new alert
}

TEST_F(GuardTest, AdminHoldAndListHeldFirst) {
  AccountGuard g(store, clock, config(), log);
  ASSERT_TRUE(g.record(GuardSignal::ratelimit, "b@x", "limit").ok());
  ASSERT_TRUE(g.hold("z@x", "admin: phished").ok());
  auto l = g.list(10);
  ASSERT_TRUE(l.ok());
  ASSERT_EQ(l->size(), 2u);
  EXPECT_EQ((*l)[0].login, "z@x");
  EXPECT_TRUE((*l)[0].held);
  EXPECT_EQ((*l)[0].hold_reason, "admin: phished");
  EXPECT_EQ((*l)[1].login, "b@x");
  EXPECT_FALSE((*l)[1].held);
  EXPECT_EQ(g.list(1)->size(), 1u);
}

TEST_F(GuardTest, StoreFailuresAreReturned) {
  AccountGuard g(store, clock, config(), log);
  store.set_failing(true);
  EXPECT_FALSE(g.record(GuardSignal::ratelimit, "a@x", "1").ok());
  EXPECT_FALSE(g.held("a@x").ok());
}

}  // namespace
}  // namespace postern
