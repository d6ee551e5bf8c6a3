// Big-sender greylisting ([policyd.greylist] spf_domain_key): PolicyService decisions with a
// FakeClock, a MemoryStore and the daemon's resolver asking a test DNS server that publishes SPF
// records. An SPF pass keys the triplet by the sender domain (a pool retrying from another network
// passes after the delay); fail, softfail, neutral and none key by the client network; a temperror
// or timeout falls back to the network with one log line per request; the null sender uses HELO.
#include <gtest/gtest.h>

#include "tests/policy/policy_service_fixture.h"

namespace postern {
namespace {

constexpr const char* kPoolSpf = "\"v=spf1 ip4:198.51.100.0/24 ip4:203.0.113.0/24 -all\"";

class BigSenderTest : public test::PolicyServiceFixture {
 protected:
  BigSenderTest() : PolicyServiceFixture(std::chrono::milliseconds(200)) {
    dns_.add("pool.test", "TXT", kPoolSpf);
    dns_.add("mx.pool.test", "TXT", kPoolSpf);
    dns_.add("fail.test", "TXT", "\"v=spf1 ip4:192.0.2.1 -all\"");
    dns_.add("soft.test", "TXT", "\"v=spf1 ip4:192.0.2.1 ~all\"");
    dns_.add("neutral.test", "TXT", "\"v=spf1 ?all\"");
    dns_.add("none.test", "A", "192.0.2.1");  // exists, publishes no SPF
    dns_.add("broken.test", "TXT", "\"v=spf1 ip4:198.51.100.0/24 -all\"");
    dns_.set_behavior("broken.test", test::DnsBehavior::servfail);
    dns_.add("silent.test", "TXT", "\"v=spf1 ip4:198.51.100.0/24 -all\"");
    dns_.set_behavior("silent.test", test::DnsBehavior::drop);
    config_.greylist.spf_domain_key = true;
    config_.greylist.spf_timeout = std::chrono::milliseconds(400);
    config_.greylist.auto_allow_after = 0;
  }

  std::string decide(const std::string& ip, const std::string& sender,
                     const std::string& helo = "mx.other.test",
                     const std::string& rcpt = "rcpt@example.net") {
    return PolicyServiceFixture::decide(ip, sender, helo, rcpt);
  }
  static bool deferred(const std::string& a) { return a.rfind("DEFER_IF_PERMIT 4.7.1", 0) == 0; }
  static bool passed_after_delay(const std::string& a) {
    return a.rfind("PREPEND X-Greylist: delayed", 0) == 0;
  }
  size_t count(const std::string& needle) const { return logged(needle); }
  bool stored(const std::string& key) {
    auto v = store_.get(key);
    return v && v->has_value();
  }
};

TEST_F(BigSenderTest, SpfPassFromTwoNetworksOfAPoolSharesOneTriplet) {
  EXPECT_TRUE(deferred(decide("198.51.100.7", "news+x@pool.test")));
  EXPECT_TRUE(stored("gl:t:spf:pool.test/news@pool.test/rcpt@example.net"));
  EXPECT_FALSE(stored("gl:t:198.51.100.0/24/news@pool.test/rcpt@example.net"));
  clock_.advance(Seconds(100));
  // Another network of the pool, still within the delay: the same triplet, with less to wait.
  auto early = decide("203.0.113.9", "news@pool.test");
  EXPECT_NE(early.find("try again in 200 seconds"), std::string::npos) << early;
  clock_.advance(Seconds(200));
  auto retry = decide("203.0.113.9", "news@pool.test");
  EXPECT_TRUE(passed_after_delay(retry)) << retry;
  EXPECT_EQ(decide("198.51.100.8", "news@pool.test"), "DUNNO");
  EXPECT_NE(sink_->text().find("spf=pass"), std::string::npos) << sink_->text();
}

TEST_F(BigSenderTest, WithoutTheOptionTheOtherNetworkStartsOver) {
  config_.greylist.spf_domain_key = false;
  EXPECT_TRUE(deferred(decide("198.51.100.7", "news@pool.test")));
  clock_.advance(Seconds(300));
  auto other = decide("203.0.113.9", "news@pool.test");
  EXPECT_NE(other.find("try again in 300 seconds"), std::string::npos) << other;
  EXPECT_EQ(dns_.queries("pool.test"), 0);  // no SPF asked
}

TEST_F(BigSenderTest, FailSoftfailNeutralAndNoneKeyByTheNetwork) {
  for (std::string domain : {"fail.test", "soft.test", "neutral.test", "none.test"}) {
    SCOPED_TRACE(domain);
    const std::string sender = "a@" + domain;
    EXPECT_TRUE(deferred(decide("198.51.100.7", sender)));
    EXPECT_TRUE(stored("gl:t:198.51.100.0/24/" + sender + "/rcpt@example.net"));
    clock_.advance(Seconds(300));
    auto other = decide("203.0.113.9", sender);
    EXPECT_NE(other.find("try again in 300 seconds"), std::string::npos) << other;
    EXPECT_TRUE(passed_after_delay(decide("198.51.100.20", sender)));  // same /24
  }
  EXPECT_EQ(count("spf_temperror"), 0u) << sink_->text();
  EXPECT_NE(sink_->text().find("spf=softfail"), std::string::npos);
  EXPECT_NE(sink_->text().find("spf=none"), std::string::npos);
}

TEST_F(BigSenderTest, TemperrorAndTimeoutFallBackToTheNetworkLoggedOncePerRequest) {
  for (std::string domain : {"broken.test", "silent.test"}) {
    SCOPED_TRACE(domain);
    const std::string sender = "a@" + domain;
    const size_t before = count("spf_temperror");
    auto start = std::chrono::steady_clock::now();
    EXPECT_TRUE(deferred(decide("198.51.100.7", sender)));
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
    EXPECT_EQ(count("spf_temperror"), before + 1) << sink_->text();
    EXPECT_TRUE(stored("gl:t:198.51.100.0/24/" + sender + "/rcpt@example.net"));
    clock_.advance(Seconds(300));
    EXPECT_TRUE(deferred(decide("203.0.113.9", sender)));
    EXPECT_TRUE(passed_after_delay(decide("198.51.100.7", sender)));
    EXPECT_EQ(count("spf_temperror"), before + 3) << sink_->text();
  }
  EXPECT_NE(sink_->text().find("spf=temperror"), std::string::npos);
}

TEST_F(BigSenderTest, NullSenderIsKeyedByAPassingHeloElseByTheNetwork) {
  EXPECT_TRUE(deferred(decide("198.51.100.7", "", "mx.pool.test")));
  EXPECT_TRUE(stored("gl:t:spf:mx.pool.test/<>/rcpt@example.net"));
  clock_.advance(Seconds(300));
  EXPECT_TRUE(passed_after_delay(decide("203.0.113.9", "", "mx.pool.test")));
  // A HELO name that fails its SPF (or publishes none) keeps the network key.
  EXPECT_TRUE(deferred(decide("198.51.100.7", "", "fail.test", "other@example.net")));
  EXPECT_TRUE(stored("gl:t:198.51.100.0/24/<>/other@example.net"));
  EXPECT_TRUE(deferred(decide("198.51.100.7", "", "", "third@example.net")));
  EXPECT_TRUE(stored("gl:t:198.51.100.0/24/<>/third@example.net"));
}

TEST_F(BigSenderTest, AllowlistedClientsCostNoSpfLookup) {
  config_.greylist.allow_clients = {"198.51.100.0/24"};
  EXPECT_EQ(decide("198.51.100.7", "news@pool.test"), "DUNNO");
  EXPECT_EQ(dns_.queries("pool.test"), 0);
  EXPECT_TRUE(deferred(decide("203.0.113.9", "news@pool.test")));
  EXPECT_GT(dns_.queries("pool.test"), 0);
}

TEST_F(BigSenderTest, SpfPassDoesNotMergeDifferentSendersOrRecipients) {
  EXPECT_TRUE(deferred(decide("198.51.100.7", "a@pool.test")));
  clock_.advance(Seconds(300));
  EXPECT_TRUE(deferred(decide("203.0.113.9", "b@pool.test")));
  EXPECT_TRUE(deferred(decide("203.0.113.9", "a@pool.test", "mx.other.test", "other@example.net")));
  EXPECT_TRUE(passed_after_delay(decide("203.0.113.9", "a@pool.test")));
}

}  // namespace
}  // namespace postern
