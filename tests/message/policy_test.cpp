// build_message_policy: what the per-message decision takes from one configuration.
#include "common/message/policy.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

TEST(MessagePolicy, LocalDomainsAsALabelsAndNetworksParsed) {
  Config c;
  c.sender.local_domains = {"Bücher.Example", "example.org"};
  c.dkim.internal_networks = {"192.0.2.0/24"};
  c.dkim.sign = false;
  c.dmarc.trusted_forwarders = {IpNetwork::parse("198.51.100.0/24").value()};
  auto p = build_message_policy(c, "mx.example.net", "/etc/postern/postern.conf");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->authserv_id, "mx.example.net");
  EXPECT_EQ(p->local_domains, (std::vector<std::string>{"xn--bcher-kva.example", "example.org"}));
  ASSERT_EQ(p->internal_networks.size(), 1u);
  EXPECT_TRUE(p->internal_networks[0].contains(IpAddress::parse("192.0.2.9").value()));
  EXPECT_FALSE(p->dkim_sign);
  ASSERT_EQ(p->dmarc.trusted_forwarders.size(), 1u);
  EXPECT_EQ(p->dmarc.trusted_forwarders[0].str(), "198.51.100.0/24");
}

TEST(MessagePolicy, DkimKeyDomainsWhenNoLocalDomains) {
  Config c;
  c.dkim.keys = {{"Example.COM", "s1", "/k1", {}}, {"example.net", "s2", "/k2", {}}};
  auto p = build_message_policy(c, "mx", "t.conf");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->local_domains, (std::vector<std::string>{"example.com", "example.net"}));
  c.sender.local_domains = {"example.org"};
  EXPECT_EQ(build_message_policy(c, "mx", "t.conf")->local_domains, std::vector<std::string>{"example.org"});
}

TEST(MessagePolicy, InvalidLocalDomainNamesFileAndKey) {
  Config c;
  c.sender.local_domains = {"a..b"};
  auto p = build_message_policy(c, "mx", "t.conf");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message.rfind("t.conf: [sender].local_domains: a..b: ", 0), 0u) << p.error().message;
}

}  // namespace
}  // namespace postern
