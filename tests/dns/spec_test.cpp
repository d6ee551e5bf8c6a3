// Unit tests: DNS server specs, resolv.conf parsing, the [dns] config section.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include "common/config/config.h"
#include "common/dns/server_spec.h"

namespace postern {
namespace {

TEST(ServerSpec, Forms) {
  auto a = parse_server_spec("192.0.2.53");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->str(), "192.0.2.53:53");
  auto b = parse_server_spec("127.0.0.1:5353");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->port, 5353);
  auto c = parse_server_spec("[2001:db8::53]:5300");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->ip.v6);
  EXPECT_EQ(c->port, 5300);
  EXPECT_EQ(c->str(), "[2001:db8::53]:5300");
  auto d = parse_server_spec("2001:db8::53");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->port, 53);
  auto e = parse_server_spec("[::1]");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->str(), "[::1]:53");
}

TEST(ServerSpec, Rejects) {
  for (const char* s :
       {"", "dns.example.com", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:053", "1.2.3.4:5x",
        "[1.2.3.4]:53", "[::1", "[::1]53", "[::1]:", "::1]:53", "1.2.3.4 :53", "01.2.3.4"}) {
    EXPECT_FALSE(parse_server_spec(s)) << s;
  }
  EXPECT_FALSE(parse_server_spec(std::string(kMaxServerSpec + 1, '1')));
}

TEST(ServerSpec, SockaddrMatchesFamily) {
  sockaddr_storage sa;
  EXPECT_EQ(parse_server_spec("127.0.0.1:99")->sockaddr(sa), sizeof(sockaddr_in));
  EXPECT_EQ(sa.ss_family, AF_INET);
  EXPECT_EQ(parse_server_spec("[::1]:99")->sockaddr(sa), sizeof(sockaddr_in6));
  EXPECT_EQ(sa.ss_family, AF_INET6);
  // An IPv4-mapped address is dialled as IPv4.
  EXPECT_EQ(parse_server_spec("[::ffff:127.0.0.1]:99")->sockaddr(sa), sizeof(sockaddr_in));
}

TEST(ResolvConf, NameserversInOrder) {
  auto v = parse_resolv_conf(
      "# comment\n"
      "domain example.com\n"
      "nameserver 192.0.2.1\n"
      "  nameserver\t2001:db8::1  # trailing comment\n"
      "nameserver fe80::1%eth0\n"
      "nameserver dns.example.com\n"
      "nameserver 192.0.2.2 extra\n"
      "nameserverx 192.0.2.3\n"
      "options edns0\r\n"
      "nameserver 192.0.2.4\r\n");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0].str(), "192.0.2.1:53");
  EXPECT_EQ(v[1].str(), "[2001:db8::1]:53");
  EXPECT_EQ(v[2].str(), "192.0.2.4:53");
  EXPECT_TRUE(parse_resolv_conf("").empty());
}

TEST(ResolvConf, Bounded) {
  std::string many;
  for (int i = 0; i < 50; ++i) many += "nameserver 192.0.2." + std::to_string(i + 1) + "\n";
  EXPECT_EQ(parse_resolv_conf(many).size(), kMaxResolvConfServers);
  std::string padded(kMaxResolvConf, '#');
  padded += "\nnameserver 192.0.2.1\n";
  EXPECT_TRUE(parse_resolv_conf(padded).empty());
}

TEST(DnsConfig, ReadsAndValidates) {
  auto ok = parse_config(
      "[dns]\nservers = [\"127.0.0.1:5353\", \"[::1]:53\"]\ntimeout = \"500ms\"\nretries = 1\n"
      "tcp_fallback = false\ncache_entries = 10\ncache_max_ttl = \"1h\"\nnegative_max_ttl = 60\n"
      "cname_chase = false\n",
      "t.conf");
  ASSERT_TRUE(ok.ok()) << (ok.errors.empty() ? "" : ok.errors[0].str());
  const DnsConfig& d = ok.config.dns;
  EXPECT_EQ(d.servers.size(), 2u);
  EXPECT_EQ(d.timeout, std::chrono::milliseconds(500));
  EXPECT_EQ(d.retries, 1);
  EXPECT_FALSE(d.tcp_fallback);
  EXPECT_EQ(d.cache_entries, 10);
  EXPECT_EQ(d.cache_max_ttl, std::chrono::seconds(3600));
  EXPECT_EQ(d.negative_max_ttl, std::chrono::seconds(60));
  EXPECT_FALSE(d.cname_chase);

  auto defaults = parse_config("", "t.conf");
  ASSERT_TRUE(defaults.ok());
  EXPECT_TRUE(defaults.config.dns.servers.empty());
  EXPECT_EQ(defaults.config.dns.retries, 2);

  for (const char* bad : {"[dns]\nservers = [\"dns.example.com\"]\n", "[dns]\nretries = 11\n",
                          "[dns]\ncache_entries = 10000001\n", "[dns]\ntimeout = \"1ms\"\n",
                          "[dns]\nservers = [\"1.2.3.4:99999\"]\n", "[dns]\nunknown = 1\n"}) {
    auto r = parse_config(bad, "t.conf");
    EXPECT_FALSE(r.ok()) << bad;
    bool names_dns = false;
    for (const auto& e : r.errors) names_dns = names_dns || e.key.find("dns") != std::string::npos;
    EXPECT_TRUE(names_dns) << bad;
  }
}

}  // namespace
}  // namespace postern
