// DNS server specs from the config ("HOST", "HOST:PORT", "[V6]:PORT", bare "V6") and the
// nameserver lines of /etc/resolv.conf. HOST must be an IP literal: the resolver cannot resolve its
// own servers. Pure parsers over untrusted text, bounded by the named limits below.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"
#include "common/net/ip.h"

namespace postern {

inline constexpr size_t kMaxServerSpec = 80;
inline constexpr size_t kMaxResolvConf = 64 * 1024;
inline constexpr size_t kMaxResolvConfServers = 8;

struct DnsServerAddress {
  IpAddress ip;
  uint16_t port = 53;
  std::string str() const;  // "192.0.2.1:53", "[2001:db8::1]:53"
  // Fills sa with the socket address; returns its length.
  socklen_t sockaddr(sockaddr_storage& sa) const;
};
using DnsServer = DnsServerAddress;

Result<DnsServerAddress> parse_server_spec(std::string_view spec);
inline Result<DnsServer> parse_dns_server(std::string_view spec) { return parse_server_spec(spec); }

// The nameserver addresses of a resolv.conf text, in order, at most kMaxResolvConfServers; lines
// that are not valid "nameserver IP" lines are skipped. Input beyond kMaxResolvConf is ignored.
std::vector<DnsServerAddress> parse_resolv_conf(std::string_view text);

}  // namespace postern
