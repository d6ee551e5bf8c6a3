// Implements parse_server_spec / parse_resolv_conf (contract in server_spec.h).
#include "common/dns/server_spec.h"

#include <netinet/in.h>

#include <cstring>

namespace postern {

namespace {

constexpr size_t kMaxPortDigits = 5;

Result<uint16_t> parse_port(std::string_view s) {
  if (s.empty() || s.size() > kMaxPortDigits) return Error::perm("invalid port");
  if (s.size() > 1 && s[0] == '0') return Error::perm("invalid port");
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Error::perm("invalid port");
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0 || v > 65535) return Error::perm("port out of range");
  return static_cast<uint16_t>(v);
}

}  // namespace

std::string DnsServerAddress::str() const {
  std::string host = ip.v6 ? "[" + ip.str() + "]" : ip.str();
  return host + ":" + std::to_string(port);
}

socklen_t DnsServerAddress::sockaddr(sockaddr_storage& sa) const {
  std::memset(&sa, 0, sizeof sa);
  IpAddress a = ip.unmapped();
  if (a.v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&sa);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&sa);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(port);
  std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
  return sizeof(sockaddr_in);
}

Result<DnsServerAddress> parse_server_spec(std::string_view spec) {
  if (spec.empty()) return Error::perm("empty DNS server");
  if (spec.size() > kMaxServerSpec) return Error::perm("DNS server spec too long");
  DnsServerAddress out;
  std::string_view host = spec;
  if (spec.front() == '[') {
    size_t close = spec.find(']');
    if (close == std::string_view::npos) return Error::perm("missing ']' in DNS server");
    host = spec.substr(1, close - 1);
    std::string_view rest = spec.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Error::perm("expected ':PORT' after ']'");
      auto port = parse_port(rest.substr(1));
      if (!port) return port.error();
      out.port = *port;
    }
    auto ip = IpAddress::parse(host);
    if (!ip || !ip->v6) return Error::perm("invalid IPv6 address in DNS server");
    out.ip = *ip;
    return out;
  }
  size_t colon = spec.find(':');
  if (colon != std::string_view::npos && spec.find(':', colon + 1) == std::string_view::npos) {
    host = spec.substr(0, colon);
    auto port = parse_port(spec.substr(colon + 1));
    if (!port) return port.error();
    out.port = *port;
  }
  auto ip = IpAddress::parse(host);
  if (!ip) return Error::perm("DNS server must be an IP address, optionally with :PORT");
  out.ip = *ip;
  return out;
}

std::vector<DnsServerAddress> parse_resolv_conf(std::string_view text) {
  std::vector<DnsServerAddress> out;
  if (text.size() > kMaxResolvConf) text = text.substr(0, kMaxResolvConf);
  while (!text.empty() && out.size() < kMaxResolvConfServers) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    auto next_word = [&](std::string_view& s) {
      size_t i = 0;
      while (i < s.size() && is_space(s[i])) ++i;
      size_t j = i;
      while (j < s.size() && !is_space(s[j])) ++j;
      std::string_view w = s.substr(i, j - i);
      s = s.substr(j);
      return w;
    };
    if (std::string_view w = next_word(line); w != "nameserver") continue;
    std::string_view addr = next_word(line);
    std::string_view extra = next_word(line);
    if (!extra.empty() && extra[0] != '#' && extra[0] != ';') continue;
    auto ip = IpAddress::parse(addr);  // rejects zone ids such as fe80::1%eth0
    if (!ip) continue;
    out.push_back(DnsServerAddress{*ip, 53});
  }
  return out;
}

}  // namespace postern
