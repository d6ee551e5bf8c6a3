// Redis backend against a real redis-server: unreachable server, restart and reconnect, password,
// two hosts sharing state.
#include <gtest/gtest.h>

#include "common/store/factory.h"
#include "common/store/redis_store.h"
#include "tests/harness/net.h"
#include "tests/harness/redis_server.h"

namespace postern {
namespace {

StoreConfig redis_config(int port, std::string password = "") {
  StoreConfig c;
  c.backend = StoreBackend::redis;
  c.redis_port = port;
  c.redis_password = std::move(password);
  c.redis_timeout = std::chrono::milliseconds(300);
  return c;
}

TEST(RedisStore, UnreachableServerIsATemporaryErrorWithinTheTimeout) {
  FakeClock clock;
  int port = test::free_tcp_port();  // nobody listens here
  RedisStore s(redis_config(port), clock);
  auto start = std::chrono::steady_clock::now();
  auto r = s.get("k");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().temporary());
  EXPECT_NE(r.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  auto f = make_store(redis_config(port), clock);
  EXPECT_FALSE(f.ok());
  // The daemons' way: the store is returned all the same, the reason beside it.
  auto opened = open_store(redis_config(port), clock);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_TRUE(opened->unreachable.has_value());
  EXPECT_TRUE(opened->unreachable->temporary());
  ASSERT_NE(opened->store, nullptr);
}

TEST(RedisStore, DownAtStartThenUpReconnectsAfterTheBackoff) {
  test::RedisServer server;
  server.stop();
  FakeClock clock;
  auto opened = open_store(redis_config(server.port()), clock);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_TRUE(opened->unreachable.has_value());
  Store& s = *opened->store;
  server.start();
  // Inside the backoff: no new connection is tried, the last error comes back at once.
  auto early = s.get("k");
  ASSERT_FALSE(early.ok());
  EXPECT_TRUE(early.error().temporary());
  EXPECT_NE(early.error().message.find("backoff"), std::string::npos) << early.error().message;
  clock.advance(kRedisRetryFirst);
  ASSERT_TRUE(s.put("k", "v", Seconds(0)).ok());
  EXPECT_EQ((*s.get("k"))->value, "v");
}

TEST(RedisStore, BackoffDoublesWhileTheServerStaysDownAndResetsOnSuccess) {
  test::RedisServer server;
  server.stop();
  FakeClock clock;
  RedisStore s(redis_config(server.port()), clock);
  EXPECT_FALSE(s.ping().ok());  // backoff 1s
  clock.advance(kRedisRetryFirst);
  EXPECT_FALSE(s.ping().ok());  // tried again and failed: backoff 2s
  server.start();
  clock.advance(kRedisRetryFirst);
  EXPECT_FALSE(s.ping().ok()) << "still inside the doubled backoff";
  clock.advance(kRedisRetryFirst);
  EXPECT_TRUE(s.ping().ok());
  // A mid-run outage after success starts again from the first backoff.
  server.restart();
  EXPECT_TRUE(s.ping().ok()) << "a broken pooled connection is replaced at once";
}

TEST(RedisStore, RefusedPasswordIsAnErrorAtStartNotAnOutage) {
  test::RedisServer server("s3cret");
  FakeClock clock;
  auto wrong = open_store(redis_config(server.port(), "nope"), clock);
  ASSERT_FALSE(wrong.ok());
  EXPECT_FALSE(wrong.error().temporary());
  auto none = open_store(redis_config(server.port()), clock);  // NOAUTH
  ASSERT_FALSE(none.ok());
  EXPECT_FALSE(none.error().temporary());
}

TEST(RedisStore, ReconnectsAfterARestart) {
  test::RedisServer server;
  FakeClock clock;
  RedisStore s(redis_config(server.port()), clock);
  ASSERT_TRUE(s.put("k", "v", Seconds(0)).ok());
  server.restart();  // no persistence: the data is gone, the pooled connection is broken
  auto r = s.get("k");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->has_value());
  EXPECT_TRUE(s.put("k", "again", Seconds(0)).ok());
  EXPECT_EQ((*s.get("k"))->value, "again");
}

TEST(RedisStore, PasswordIsRequiredAndUsed) {
  test::RedisServer server("s3cret");
  FakeClock clock;
  RedisStore wrong(redis_config(server.port(), "nope"), clock);
  EXPECT_FALSE(wrong.ping().ok());
  RedisStore none(redis_config(server.port()), clock);
  EXPECT_FALSE(none.put("k", "v", Seconds(0)).ok());
  RedisStore right(redis_config(server.port(), "s3cret"), clock);
  EXPECT_TRUE(right.put("k", "v", Seconds(0)).ok());
}

TEST(RedisStore, TwoHostsShareStateAndCountersAtomically) {
  test::RedisServer server;
  FakeClock clock;
  RedisStore mx1(redis_config(server.port()), clock), mx2(redis_config(server.port()), clock);
  ASSERT_TRUE(mx1.put("greylist:x", "seen", Seconds(100)).ok());
  EXPECT_EQ((*mx2.get("greylist:x"))->value, "seen");
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(mx1.increment("fails", 1, Seconds(60)).ok());
    ASSERT_TRUE(mx2.increment("fails", 1, Seconds(60)).ok());
  }
  EXPECT_EQ((*mx1.get("fails"))->value, "100");
}

TEST(RedisStore, KeysCarryNativeExpiry) {
  test::RedisServer server;
  FakeClock clock;
  StoreConfig c = redis_config(server.port());
  RedisStore s(c, clock);
  ASSERT_TRUE(s.put("e", "v", Seconds(100)).ok());
  ASSERT_TRUE(s.put("forever", "v", Seconds(0)).ok());
  auto ttl =
      test::run_command({"redis-cli", "-p", std::to_string(server.port()), "TTL", c.redis_prefix + "e"});
  int t = std::stoi(ttl.output);
  EXPECT_GT(t, 100);
  EXPECT_LE(t, 100 + kNativeExpirySlack);
  auto never = test::run_command(
      {"redis-cli", "-p", std::to_string(server.port()), "TTL", c.redis_prefix + "forever"});
  EXPECT_EQ(std::stoi(never.output), -1);
}

}  // namespace
}  // namespace postern
