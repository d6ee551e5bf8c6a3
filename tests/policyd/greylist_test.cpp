// Greylisting with a FakeClock and a MemoryStore: every path of the triplet's life, auto-allow,
// allowlists, networks, sender normalisation and store failures.
#include "common/greylist/greylist.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "common/greylist/sender.h"
#include "common/store/memory_store.h"

namespace postern {
namespace {

using Kind = GreylistDecision::Kind;

class GreylistTest : public ::testing::Test {
 protected:
  GreylistTest() : store_(clock_) {}
  Greylister make(Allowlist allow = {}) { return Greylister(config_, std::move(allow), store_, clock_); }
  GreylistInput input(const std::string& ip = "192.0.2.7", const std::string& sender = "a@example.org",
                      const std::string& rcpt = "b@example.net") {
    GreylistInput in;
    in.client = *IpAddress::parse(ip);
    in.sender = sender;
    in.recipient = rcpt;
    return in;
  }
  FakeClock clock_;
  MemoryStore store_;
  GreylistConfig config_;
};

TEST_F(GreylistTest, NewTripletIsDeferredUntilTheDelayThenPasses) {
  auto g = make();
  auto d = g.check(input());
  EXPECT_EQ(d.kind, Kind::defer);
  EXPECT_EQ(d.wait_seconds, 300);
  clock_.advance(Seconds(120));
  d = g.check(input());
  EXPECT_EQ(d.kind, Kind::defer);
  EXPECT_EQ(d.wait_seconds, 180);
  clock_.advance(Seconds(180));
  d = g.check(input());
  EXPECT_EQ(d.kind, Kind::pass);
  EXPECT_EQ(d.delayed_seconds, 300);
  d = g.check(input());
  EXPECT_EQ(d.kind, Kind::pass);
  EXPECT_EQ(d.delayed_seconds, 0);
}

TEST_F(GreylistTest, RetryAfterTheRetryWindowStartsOver) {
  auto g = make();
  EXPECT_EQ(g.check(input()).kind, Kind::defer);
  clock_.advance(config_.delay + config_.retry_window);
  auto d = g.check(input());
  EXPECT_EQ(d.kind, Kind::defer);
  EXPECT_EQ(d.reason, "new triplet");
}

TEST_F(GreylistTest, PassedTripletIsForgottenAfterMaxAgeOfDisuse) {
  auto g = make();
  g.check(input());
  clock_.advance(Seconds(300));
  ASSERT_EQ(g.check(input()).kind, Kind::pass);
  clock_.advance(config_.max_age - Seconds(1));
  ASSERT_EQ(g.check(input()).kind, Kind::pass);  // use refreshes it
  clock_.advance(config_.max_age - Seconds(1));
  EXPECT_EQ(g.check(input()).kind, Kind::pass);
  clock_.advance(config_.max_age);
  EXPECT_EQ(g.check(input()).kind, Kind::defer);
}

TEST_F(GreylistTest, KnownTripletExpiryIsRefreshedAtMostOncePerSlack) {
  auto g = make();
  g.check(input());
  clock_.advance(Seconds(300));
  ASSERT_EQ(g.check(input()).kind, Kind::pass);
  const std::string key = g.triplet_key(input());
  auto expiry = [&] { return (*store_.get(key))->expires_at; };
  const int64_t first = expiry();
  EXPECT_EQ(first, clock_.unix_seconds() + config_.max_age.count());
  clock_.advance(Seconds(3600));  // used again within the slack: no write
  EXPECT_EQ(g.check(input()).kind, Kind::pass);
  EXPECT_EQ(expiry(), first);
  clock_.advance(Greylister::kRefreshSlack);  // a day later: refreshed to a full max_age
  EXPECT_EQ(g.check(input()).kind, Kind::pass);
  EXPECT_EQ(expiry(), clock_.unix_seconds() + config_.max_age.count());
}

TEST_F(GreylistTest, ShortMaxAgeRefreshesWithinATenth) {
  config_.max_age = Seconds(36000);  // slack: 3600 s
  auto g = make();
  g.check(input());
  clock_.advance(Seconds(300));
  ASSERT_EQ(g.check(input()).kind, Kind::pass);
  const std::string key = g.triplet_key(input());
  const int64_t first = (*store_.get(key))->expires_at;
  clock_.advance(Seconds(3599));
  g.check(input());
  EXPECT_EQ((*store_.get(key))->expires_at, first);
  clock_.advance(Seconds(1));
  g.check(input());
  EXPECT_EQ((*store_.get(key))->expires_at, clock_.unix_seconds() + 36000);
}

TEST_F(GreylistTest, SameNetworkRetryFromAnotherAddressCounts) {
  auto g = make();
  g.check(input("192.0.2.7"));
  clock_.advance(Seconds(300));
  EXPECT_EQ(g.check(input("192.0.2.200")).kind, Kind::pass);
  EXPECT_EQ(g.check(input("192.0.3.7")).kind, Kind::defer);
  g.check(input("2001:db8:1:2::1"));
  clock_.advance(Seconds(300));
  EXPECT_EQ(g.check(input("2001:db8:1:2:ffff::9")).kind, Kind::pass);
  EXPECT_EQ(g.check(input("2001:db8:1:3::1")).kind, Kind::defer);
}

TEST_F(GreylistTest, SenderVariantsShareATriplet) {
  auto g = make();
  g.check(input("192.0.2.7", "prvs=1234abcdef=bounce@example.org"));
  clock_.advance(Seconds(300));
  EXPECT_EQ(g.check(input("192.0.2.7", "prvs=2345bcdef0=Bounce@Example.org")).kind, Kind::pass);
  EXPECT_EQ(g.check(input("192.0.2.7", "bounce+x@example.org")).kind, Kind::pass);
}

TEST_F(GreylistTest, NetworkIsAutoAllowedAfterEnoughDeliveries) {
  config_.auto_allow_after = 2;
  auto g = make();
  for (int i = 0; i < 2; ++i) {
    auto rcpt = "r" + std::to_string(i) + "@example.net";
    g.check(input("192.0.2.7", "a@example.org", rcpt));
    clock_.advance(Seconds(300));
    ASSERT_EQ(g.check(input("192.0.2.7", "a@example.org", rcpt)).kind, Kind::pass);
  }
  auto d = g.check(input("192.0.2.9", "new@example.com", "new@example.net"));
  EXPECT_EQ(d.kind, Kind::allowlisted);
  EXPECT_EQ(g.check(input("198.51.100.1", "new@example.com", "new@example.net")).kind, Kind::defer);
}

TEST_F(GreylistTest, AllowlistsAndForcedGreylisting) {
  Allowlist a;
  ASSERT_EQ(a.add_client("198.51.100.0/24"), "");
  ASSERT_EQ(a.add_client("mail.bigsender.example"), "");
  ASSERT_EQ(a.add_recipient("postmaster@example.net"), "");
  ASSERT_EQ(a.add_sender_domain("bank.example"), "");
  auto g = make(std::move(a));
  EXPECT_EQ(g.check(input("198.51.100.9")).kind, Kind::allowlisted);
  auto named = input("203.0.113.5");
  named.verified_client_name = "out1.mail.bigsender.example";
  EXPECT_EQ(g.check(named).kind, Kind::allowlisted);
  auto unverified = input("203.0.113.6");  // name not forward-confirmed: not trusted
  EXPECT_EQ(g.check(unverified).kind, Kind::defer);
  EXPECT_EQ(g.check(input("192.0.2.7", "a@example.org", "Postmaster@example.net")).kind, Kind::allowlisted);
  EXPECT_EQ(g.check(input("192.0.2.7", "alerts@mx.bank.example")).kind, Kind::allowlisted);
  auto forced = input("198.51.100.9");
  forced.force = true;
  EXPECT_EQ(g.check(forced).kind, Kind::defer);
}

TEST_F(GreylistTest, StoreFailureIsReported) {
  auto g = make();
  store_.set_failing(true);
  auto d = g.check(input());
  EXPECT_EQ(d.kind, Kind::store_failure);
  EXPECT_NE(d.reason.find("simulated"), std::string::npos);
}

TEST(SenderNormalisation, StripsVariablePartsOnly) {
  EXPECT_EQ(normalise_sender(""), "<>");
  EXPECT_EQ(normalise_sender("Alice@Example.ORG"), "alice@example.org");
  EXPECT_EQ(normalise_sender("alice+news@example.org"), "alice@example.org");
  EXPECT_EQ(normalise_sender("prvs=0123abcdef=alice@example.org"), "alice@example.org");
  EXPECT_EQ(normalise_sender("btv1==12345abcde==alice@example.org"), "alice@example.org");
  EXPECT_EQ(normalise_sender("SRS0=HHH=TT=origin.example=alice@forwarder.example"), "alice@origin.example");
  EXPECT_EQ(normalise_sender("SRS1=HHH=fwd1.example==HHH=TT=origin.example=alice@fwd2.example"),
            "alice@origin.example");
  EXPECT_EQ(normalise_sender("srs0=broken@forwarder.example"), "srs0=broken@forwarder.example");
  EXPECT_EQ(normalise_sender("no-at-sign"), "no-at-sign");
  EXPECT_EQ(normalise_sender(std::string(5000, 'a')).size(), kMaxSenderLength);
}

TEST(PostgreyAllowlistFile, ReadsEntriesAndReportsBadLines) {
  Allowlist a;
  auto errors = a.add_client_file_text(
      "# postgrey_whitelist_clients\n"
      "bigsender.example\n"
      "/^mail[0-9]+\\.outlook\\.example$/\n"
      "192.0.2.0/24   # comment\n"
      "10.1\n"
      "bad entry with spaces\n"
      "/([unclosed/\n"
      "/a\\1111111111111111111/\n"
      "/a{99999}/\n");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].rfind("6: ", 0), 0u);
  EXPECT_EQ(errors[1].rfind("7: ", 0), 0u);
  EXPECT_NE(errors[2].find("back-references"), std::string::npos) << errors[2];
  EXPECT_NE(errors[3].find("repeat count"), std::string::npos) << errors[3];
  EXPECT_TRUE(a.client_allowed(*IpAddress::parse("203.0.113.1"), "relay.bigsender.example"));
  EXPECT_TRUE(a.client_allowed(*IpAddress::parse("203.0.113.1"), "MAIL12.outlook.example"));
  EXPECT_FALSE(a.client_allowed(*IpAddress::parse("203.0.113.1"), "mail12.outlook.example.evil.test"));
  EXPECT_TRUE(a.client_allowed(*IpAddress::parse("192.0.2.99"), ""));
  EXPECT_TRUE(a.client_allowed(*IpAddress::parse("10.1.200.3"), ""));
  EXPECT_FALSE(a.client_allowed(*IpAddress::parse("10.2.0.1"), ""));
}

TEST(ShippedAllowlist, ParsesAndMatchesOnlyConfirmedNames) {
  std::ifstream in(std::string(POSTERN_SOURCE_DIR) + "/etc/greylist-allowlist-clients.txt");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(text.empty());
  Allowlist a;
  auto errors = a.add_client_file_text(text);
  EXPECT_TRUE(errors.empty()) << errors.front();
  auto ip = *IpAddress::parse("209.85.220.41");
  EXPECT_TRUE(a.client_allowed(ip, "mail-sor-f41.google.com"));
  EXPECT_FALSE(a.client_allowed(ip, ""));  // unconfirmed name: no match
  EXPECT_FALSE(a.client_allowed(ip, "google.com.evil.example"));
}

}  // namespace
}  // namespace postern
