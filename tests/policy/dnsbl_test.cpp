// PolicyService decisions with DNS lists served by a real (test) DNS server: listings and weights,
// list operators' error codes, DNSWL, timeouts, and the composed greylisting decision.
#include <gtest/gtest.h>

#include "tests/policy/policy_service_fixture.h"

namespace postern {
namespace {

class PolicyServiceTest : public test::PolicyServiceFixture {
 protected:
  PolicyServiceTest() : PolicyServiceFixture(std::chrono::milliseconds(300)) {
    dns_.add("2.0.0.127.bl.test", "A", "127.0.0.2");
    dns_.add("7.2.0.192.bl.test", "A", "127.0.0.4");
    dns_.add("7.2.0.192.strong.test", "A", "127.0.0.2");
    dns_.add("8.2.0.192.bl.test", "A", "127.255.255.254");  // operator error code
    dns_.add("9.2.0.192.bl.test", "A", "10.0.0.1");         // outside 127/8
    dns_.add("10.2.0.192.wl.test", "A", "127.0.10.2");
    dns_.add("spammer.example.dbl.test", "A", "127.0.1.2");
    dns_.add("typo.example.dbl.test", "A", "127.0.1.255");
    dns_.add("11.2.0.192.slow.test", "A", "127.0.0.2");
    dns_.set_behavior("11.2.0.192.slow.test", test::DnsBehavior::drop);
    config_.dnsbl.ip_lists = {"bl.test=127.0.0.[2..11]*3", "strong.test*10",
                              "wl.test=127.0.[0..255].[1..3]*-5", "slow.test*10"};
    config_.dnsbl.domain_lists = {"dbl.test=127.0.1.[2..99]*4"};
    config_.dnsbl.timeout = std::chrono::milliseconds(500);
  }
};

TEST_F(PolicyServiceTest, HeavilyListedClientIsRejectedNamingTheLists) {
  auto a = decide("192.0.2.7");
  EXPECT_EQ(a.rfind("554 5.7.1 ", 0), 0u) << a;
  EXPECT_NE(a.find("strong.test"), std::string::npos) << a;
  EXPECT_NE(a.find("bl.test"), std::string::npos) << a;
  EXPECT_NE(sink_->text().find("score=13"), std::string::npos) << sink_->text();
}

TEST_F(PolicyServiceTest, OperatorErrorCodesAndForeignAnswersAreNotListings) {
  auto a = decide("192.0.2.8");
  EXPECT_EQ(a.rfind("DEFER_IF_PERMIT", 0), 0u) << a;  // just greylisted as a new triplet
  auto b = decide("192.0.2.9");
  EXPECT_EQ(b.rfind("DEFER_IF_PERMIT", 0), 0u) << b;
  EXPECT_NE(sink_->text().find("error code 127.255.255.254"), std::string::npos) << sink_->text();
  EXPECT_NE(sink_->text().find("outside 127.0.0.0/8"), std::string::npos) << sink_->text();
}

TEST_F(PolicyServiceTest, DnswlClientSkipsGreylisting) { EXPECT_EQ(decide("192.0.2.10"), "DUNNO"); }

TEST_F(PolicyServiceTest, DomainListsCheckTheSenderDomainAndRespectErrorCodes) {
  config_.dnsbl.reject_threshold = 4;
  EXPECT_EQ(decide("198.51.100.1", "x@spammer.example").rfind("554", 0), 0u);
  EXPECT_EQ(decide("198.51.100.1", "x@typo.example").rfind("DEFER_IF_PERMIT", 0), 0u);
}

TEST_F(PolicyServiceTest, ListTimeoutIsNotAListingAndStaysWithinTheDeadline) {
  auto start = std::chrono::steady_clock::now();
  auto a = decide("192.0.2.11");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(a.rfind("DEFER_IF_PERMIT", 0), 0u) << a;
  EXPECT_NE(sink_->text().find("slow.test: timeout"), std::string::npos) << sink_->text();
}

TEST_F(PolicyServiceTest, GreylistingPathThroughTheService) {
  auto first = decide("203.0.113.5");
  EXPECT_EQ(first, "DEFER_IF_PERMIT 4.7.1 Greylisted, please try again in 300 seconds");
  clock_.advance(Seconds(300));
  auto second = decide("203.0.113.5");
  EXPECT_EQ(second, "PREPEND X-Greylist: delayed 300 seconds by postern-policyd");
  EXPECT_EQ(decide("203.0.113.5"), "DUNNO");
}

TEST_F(PolicyServiceTest, AuthenticatedTrustedAndNonRcptRequestsAreNotJudged) {
  config_.trusted_networks = {"203.0.113.0/24"};
  EXPECT_EQ(decide("203.0.113.77"), "DUNNO");
  PolicyRequest r;
  r.attrs = {{"request", "smtpd_access_policy"},
             {"protocol_state", "RCPT"},
             {"client_address", "192.0.2.7"},
             {"sasl_username", "alice"}};
  EXPECT_EQ(service_->decide(r), "DUNNO");
  r.attrs["sasl_username"] = "";
  r.attrs["protocol_state"] = "DATA";
  EXPECT_EQ(service_->decide(r), "DUNNO");
}

TEST_F(PolicyServiceTest, StoreFailureGetsTheConfiguredOutcome) {
  store_.set_failing(true);
  EXPECT_EQ(decide("203.0.113.6"), "DUNNO");
  EXPECT_EQ(decide("203.0.113.7"), "DUNNO");
  EXPECT_NE(sink_->text().find("store_failure outcome=dunno"), std::string::npos) << sink_->text();
  // One line for the outage, not one per request; one when it ends.
  EXPECT_EQ(logged("store_failure"), 1u) << sink_->text();
  store_.set_failing(false);
  EXPECT_EQ(decide("203.0.113.8").rfind("DEFER_IF_PERMIT 4.7.1", 0), 0u);
  EXPECT_EQ(logged("store_recovered"), 1u) << sink_->text();
  store_.set_failing(true);
  config_.greylist.on_store_failure = GreylistStoreFailure::defer;
  service_.reset();
  EXPECT_EQ(decide("203.0.113.6").rfind("DEFER_IF_PERMIT 4.3.0", 0), 0u);
}

TEST_F(PolicyServiceTest, SelfTestDisablesListsThatFailRfc5782) {
  dns_.add("2.0.0.127.strong.test", "A", "127.0.0.2");  // strong.test passes
  dns_.add("test.dbl.test", "A", "127.0.1.2");          // dbl.test passes
  // bl.test lists 127.0.0.2 but also 127.0.0.1 (a broken list): disabled.
  dns_.add("1.0.0.127.bl.test", "A", "127.0.0.2");
  config_.dnsbl.self_test = true;
  config_.dnsbl.ip_lists = {"bl.test*10", "strong.test*10"};
  auto a = decide("192.0.2.7");
  EXPECT_EQ(a.rfind("554", 0), 0u) << a;
  EXPECT_EQ(a.find("bl.test,"), std::string::npos) << a;
  EXPECT_NE(sink_->text().find("dnsbl_disabled list=bl.test"), std::string::npos) << sink_->text();
  EXPECT_EQ(sink_->text().find("dnsbl_disabled list=strong.test"), std::string::npos) << sink_->text();
  EXPECT_EQ(sink_->text().find("dnsbl_disabled list=dbl.test"), std::string::npos) << sink_->text();
}

}  // namespace
}  // namespace postern
