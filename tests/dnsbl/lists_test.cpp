// DNS list specs in postscreen syntax.
#include <gtest/gtest.h>

#include "common/dnsbl/list_spec.h"

namespace postern {
namespace {

IpAddress ip(const char* s) { return *IpAddress::parse(s); }

TEST(DnsListSpec, ParsesZoneFilterAndWeight) {
  auto s = parse_dns_list_spec("zen.spamhaus.org=127.0.0.[2..11]*3");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->zone, "zen.spamhaus.org");
  EXPECT_EQ(s->weight, 3);
  EXPECT_TRUE(s->matches(ip("127.0.0.2")));
  EXPECT_TRUE(s->matches(ip("127.0.0.11")));
  EXPECT_FALSE(s->matches(ip("127.0.0.12")));
  EXPECT_FALSE(s->matches(ip("127.0.1.2")));
}

TEST(DnsListSpec, SetsNegativeWeightsAndNoFilter) {
  auto w = parse_dns_list_spec("list.dnswl.org=127.0.[0..255].[1;2;3]*-5");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->weight, -5);
  EXPECT_TRUE(w->matches(ip("127.0.10.3")));
  EXPECT_FALSE(w->matches(ip("127.0.10.0")));
  auto any = parse_dns_list_spec("Bl.Example.");
  ASSERT_TRUE(any.ok());
  EXPECT_EQ(any->zone, "bl.example");
  EXPECT_EQ(any->weight, 1);
  EXPECT_TRUE(any->matches(ip("127.0.0.2")));
  EXPECT_FALSE(any->matches(ip("10.0.0.2")));
}

TEST(DnsListSpec, RejectsMalformedSpecs) {
  for (const char* bad : {"", "=127.0.0.2", "bl.example=127.0.0", "bl.example=127.0.0.[5..2]",
                          "bl.example=127.0.0.256", "bl.example*x", "bl.example*100000", "bl example",
                          "bl.example=127.0.0.[2..]", "bl.example=127.0.0.2.3"}) {
    EXPECT_FALSE(parse_dns_list_spec(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace postern
