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

namespace postern {
namespace {

// Administration (posternctl greylist): list, allow_network, remove over the same store.
TEST_F(GreylistTest, ListShowsTripletsAndAutoAllowedNetworks) {
  auto g = make();
  EXPECT_EQ(g.check(input("192.0.2.7", "a@example.org", "b@example.net")).kind, Kind::defer);
  clock_.advance(config_.delay);
  EXPECT_EQ(g.check(input("192.0.2.7", "a@example.org", "b@example.net")).kind, Kind::pass);
  EXPECT_EQ(g.check(input("2001:db8:1:2::9", "c@example.org", "d@example.net")).kind, Kind::defer);
  auto l = g.list(100);
  ASSERT_TRUE(l) << l.error().message;
  ASSERT_EQ(l->triplets.size(), 2u);
  EXPECT_EQ(l->triplets[0].name, "192.0.2.0/24/a@example.org/b@example.net");
  EXPECT_TRUE(l->triplets[0].passed);
  EXPECT_EQ(l->triplets[0].first_seen, clock_.unix_seconds() - config_.delay.count());
  EXPECT_EQ(l->triplets[0].expires_at, clock_.unix_seconds() + config_.max_age.count());
  EXPECT_EQ(l->triplets[1].name, "2001:db8:1:2::/64/c@example.org/d@example.net");
  EXPECT_FALSE(l->triplets[1].passed);
  ASSERT_EQ(l->networks.size(), 1u);
  EXPECT_EQ(l->networks[0].network, "192.0.2.0/24");
  EXPECT_EQ(l->networks[0].deliveries, 1);
  auto one = g.list(1);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->triplets.size(), 1u) << "at most limit of each kind";
}

TEST_F(GreylistTest, ListSurvivesDamagedValues) {
  ASSERT_TRUE(store_.put("gl:t:192.0.2.0/24/x@y/z@w", "garbage", Seconds(60)));
  ASSERT_TRUE(store_.put("gl:a:192.0.2.0/24", "12abc", Seconds(60)));
  auto l = make().list(10);
  ASSERT_TRUE(l);
  ASSERT_EQ(l->triplets.size(), 1u);
  EXPECT_EQ(l->triplets[0].first_seen, 0);
  EXPECT_FALSE(l->triplets[0].passed);
  ASSERT_EQ(l->networks.size(), 1u);
  EXPECT_EQ(l->networks[0].deliveries, 0);
}

TEST_F(GreylistTest, AllowNetworkSkipsGreylistingForTheClientNetwork) {
  auto g = make();
  for (const char* net : {"192.0.2.77", "192.0.2.64/26", "192.0.2.0/24"}) {
    auto n = g.allow_network(*IpNetwork::parse(net));
    ASSERT_TRUE(n) << net << ": " << n.error().message;
    EXPECT_EQ(*n, "192.0.2.0/24") << net;
  }
  EXPECT_EQ(g.check(input("192.0.2.200")).kind, Kind::allowlisted);
  EXPECT_EQ(g.check(input("192.0.3.1")).kind, Kind::defer);
  auto v6 = g.allow_network(*IpNetwork::parse("2001:db8:5:6::1"));
  ASSERT_TRUE(v6);
  EXPECT_EQ(*v6, "2001:db8:5:6::/64");
  for (const char* wide : {"192.0.0.0/16", "0.0.0.0/0", "2001:db8::/48"}) {
    auto w = g.allow_network(*IpNetwork::parse(wide));
    ASSERT_FALSE(w) << wide;
    EXPECT_NE(w.error().message.find("is wider than a greylisting client network"), std::string::npos)
        << w.error().message;
  }
  auto l = g.list(10);
  ASSERT_TRUE(l);
  EXPECT_EQ(l->networks.size(), 2u) << "nothing stored for the refused networks";
}

TEST_F(GreylistTest, RemoveTakesKeysNamesAndPrefixes) {
  auto g = make();
  for (const char* ip : {"192.0.2.1", "198.51.100.1"}) {
    for (const char* rcpt : {"a@example.net", "b@example.net"})
      EXPECT_EQ(g.check(input(ip, "s@x.org", rcpt)).kind, Kind::defer);
  }
  ASSERT_TRUE(g.allow_network(*IpNetwork::parse("203.0.113.5")));
  EXPECT_EQ(*g.remove("192.0.2.0/24/s@x.org/a@example.net"), 1u) << "a name as list() gives it";
  EXPECT_EQ(*g.remove("192.0.2.0/24/s@x.org/a@example.net"), 0u) << "already gone";
  EXPECT_EQ(*g.remove("gl:t:192.0.2.0/24/*"), 1u) << "a stored key prefix, as docs/policyd.md shows";
  EXPECT_EQ(*g.remove("198.51.100.0/24/*"), 2u) << "a name prefix";
  EXPECT_EQ(*g.remove("gl:a:203.0.113.0/24"), 1u);
  auto l = g.list(10);
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->triplets.empty());
  EXPECT_TRUE(l->networks.empty());
  ASSERT_TRUE(store_.put("lo:u:alice", "1", Seconds(60)));
  for (const char* outside : {"gl:x:1", "gl:*", "gl:"}) {
    auto r = g.remove(outside);
    EXPECT_FALSE(r) << outside;
  }
  EXPECT_TRUE(*store_.get("lo:u:alice")) << "remove never reaches outside the greylist's keys";
}

TEST_F(GreylistTest, RemoveAPrefixOfMoreThanOneBatch) {
  for (size_t i = 0; i < Greylister::kRemoveBatch + 5; ++i)
    ASSERT_TRUE(
        store_.put("gl:t:192.0.2.0/24/s@x.org/r" + std::to_string(i) + "@y.org", "1:0", Seconds(600)));
  auto g = make();
  auto r = g.remove("192.0.2.0/24/*");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, Greylister::kRemoveBatch + 5);
}

}  // namespace
}  // namespace postern
