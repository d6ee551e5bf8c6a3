// Unit tests for common/net/ip: strict parsing, RFC 5952 output, masking, reverse names, networks.
#include "common/net/ip.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

std::string canon(std::string_view s) {
  auto a = IpAddress::parse(s);
  return a ? a->str() : "ERR";
}

TEST(IpAddress, ParsesIpv4) {
  auto a = IpAddress::parse("192.0.2.1");
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->v6);
  EXPECT_EQ(a->bytes[0], 192);
  EXPECT_EQ(a->bytes[3], 1);
  EXPECT_EQ(a->str(), "192.0.2.1");
  EXPECT_EQ(canon("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(canon("255.255.255.255"), "255.255.255.255");
}

TEST(IpAddress, RejectsBadIpv4) {
  for (const char* s :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1..2.3", "1.2.3.4.", ".1.2.3.4",
        " 1.2.3.4", "1.2.3.4 ", "1.2.3.-4", "1.2.3.4/24", "0x1.2.3.4", "1234.1.1.1"}) {
    EXPECT_FALSE(IpAddress::parse(s)) << s;
  }
}

TEST(IpAddress, ParsesIpv6AndFormatsRfc5952) {
  EXPECT_EQ(canon("2001:DB8:0:0:0:0:0:1"), "2001:db8::1");
  EXPECT_EQ(canon("2001:0db8::0001"), "2001:db8::1");
  EXPECT_EQ(canon("::"), "::");
  EXPECT_EQ(canon("::1"), "::1");
  EXPECT_EQ(canon("1::"), "1::");
  // A single zero group is not compressed (RFC 5952 4.2.2).
  EXPECT_EQ(canon("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  // Longest run wins; on a tie the first one.
  EXPECT_EQ(canon("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  EXPECT_EQ(canon("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  EXPECT_EQ(canon("1:2:3:4:5:6:7:8"), "1:2:3:4:5:6:7:8");
  EXPECT_EQ(canon("::ffff:192.0.2.1"), "::ffff:192.0.2.1");
  EXPECT_EQ(canon("64:ff9b::192.0.2.1"), "64:ff9b::c000:201");
  EXPECT_EQ(canon("1:2:3:4:5:6:1.2.3.4"), "1:2:3:4:5:6:102:304");
}

TEST(IpAddress, AcceptsBracketsAndPostfixPrefix) {
  EXPECT_EQ(canon("[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(canon("IPv6:2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(canon("ipv6:::1"), "::1");
  EXPECT_EQ(canon("[IPv6:::1]"), "::1");
  EXPECT_EQ(canon("[192.0.2.1]"), "ERR");  // brackets mean IPv6
  EXPECT_EQ(canon("[::1"), "ERR");
}

TEST(IpAddress, RejectsBadIpv6) {
  for (const char* s : {":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:2:3:4:5:6:7",
                        ":1::", "1:", "fe80::1%eth0", "g::1", "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3",
                        "::1.2.3.4:5", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8"}) {
    EXPECT_FALSE(IpAddress::parse(s)) << s;
  }
  EXPECT_TRUE(IpAddress::parse("::2:3:4:5:6:7:8"));
  EXPECT_TRUE(IpAddress::parse("1:2:3:4:5:6:7::"));
  EXPECT_FALSE(IpAddress::parse(std::string(kMaxIpText + 1, '1')));
}

TEST(IpAddress, Unmapped) {
  auto a = IpAddress::parse("::ffff:10.1.2.3");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->v6);
  EXPECT_FALSE(a->unmapped().v6);
  EXPECT_EQ(a->unmapped().str(), "10.1.2.3");
  auto b = IpAddress::parse("2001:db8::1");
  EXPECT_EQ(b->unmapped(), *b);
}

TEST(IpAddress, Masked) {
  auto a = IpAddress::parse("192.0.2.255").value();
  EXPECT_EQ(a.masked(24).str(), "192.0.2.0");
  EXPECT_EQ(a.masked(25).str(), "192.0.2.128");
  EXPECT_EQ(a.masked(0).str(), "0.0.0.0");
  EXPECT_EQ(a.masked(32).str(), "192.0.2.255");
  EXPECT_EQ(a.masked(99).str(), "192.0.2.255");
  auto b = IpAddress::parse("2001:db8:1:2:3:4:5:6").value();
  EXPECT_EQ(b.masked(64).str(), "2001:db8:1:2::");
  EXPECT_EQ(b.masked(36).str(), "2001:db8::");
  EXPECT_EQ(b.masked(-5).str(), "::");
}

TEST(IpAddress, ReverseNames) {
  auto a = IpAddress::parse("192.0.2.1").value();
  EXPECT_EQ(a.reverse_labels(), "1.2.0.192");
  EXPECT_EQ(a.ptr_name(), "1.2.0.192.in-addr.arpa");
  auto b = IpAddress::parse("2001:db8::567:89ab").value();
  EXPECT_EQ(b.reverse_labels(), "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2");
  EXPECT_EQ(b.ptr_name(), "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST(IpNetwork, ParseAndContains) {
  auto n = IpNetwork::parse("192.0.2.77/24");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->str(), "192.0.2.0/24");
  EXPECT_TRUE(n->contains(IpAddress::parse("192.0.2.1").value()));
  EXPECT_FALSE(n->contains(IpAddress::parse("192.0.3.1").value()));
  EXPECT_TRUE(n->contains(IpAddress::parse("::ffff:192.0.2.9").value()));
  EXPECT_FALSE(n->contains(IpAddress::parse("2001:db8::1").value()));

  auto six = IpNetwork::parse("2001:db8::/32");
  ASSERT_TRUE(six);
  EXPECT_TRUE(six->contains(IpAddress::parse("2001:db8:ffff::1").value()));
  EXPECT_FALSE(six->contains(IpAddress::parse("2001:db9::1").value()));
  EXPECT_FALSE(six->contains(IpAddress::parse("192.0.2.1").value()));

  auto mapped = IpNetwork::parse("::ffff:0:0/96");
  ASSERT_TRUE(mapped);
  EXPECT_TRUE(mapped->contains(IpAddress::parse("10.0.0.1").value()));

  auto host = IpNetwork::parse("10.1.2.3");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->prefix_len, 32);
  EXPECT_TRUE(host->contains(IpAddress::parse("10.1.2.3").value()));
  EXPECT_FALSE(host->contains(IpAddress::parse("10.1.2.4").value()));

  auto all = IpNetwork::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(IpAddress::parse("203.0.113.5").value()));
}

TEST(IpNetwork, RejectsBadPrefix) {
  for (const char* s : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0.0/a", "::/129",
                        "10.0.0.0/24/1", "/24", "10.0.0.0/1000"}) {
    EXPECT_FALSE(IpNetwork::parse(s)) << s;
  }
  EXPECT_TRUE(IpNetwork::parse("::/128"));
  EXPECT_TRUE(IpNetwork::parse("[2001:db8::]/48"));
}

TEST(NetworkKey, PerNetwork) {
  EXPECT_EQ(network_key(IpAddress::parse("192.0.2.77").value(), 24, 64), "192.0.2.0/24");
  EXPECT_EQ(network_key(IpAddress::parse("::ffff:192.0.2.77").value(), 24, 64), "192.0.2.0/24");
  EXPECT_EQ(network_key(IpAddress::parse("2001:db8:1:2:3::9").value(), 24, 64), "2001:db8:1:2::/64");
  EXPECT_EQ(network_key(IpAddress::parse("192.0.2.77").value(), 32, 128), "192.0.2.77/32");
}

}  // namespace
}  // namespace postern
