// IP addresses and networks, for client addresses from Postfix macros and policy requests, trusted
// networks and allowlists in the config, and DNS reverse names. Parsing is strict (no leading
// zeros in IPv4 octets, no zone ids, IPv4-mapped IPv6 kept as IPv6 unless unmapped()) and bounded
// (kMaxIpText bytes of input). Pure functions, no allocation beyond the returned strings.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxIpText = 64;

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4 bytes

  // "192.0.2.1", "2001:db8::1", "[2001:db8::1]" and "IPv6:2001:db8::1" (Postfix client_address
  // style) are accepted.
  static Result<IpAddress> parse(std::string_view text);
  std::string str() const;  // canonical text (RFC 5952 for IPv6)
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) as IPv4; otherwise itself.
  IpAddress unmapped() const;
  int bits() const { return v6 ? 128 : 32; }
  // The address with all but the first prefix_len bits cleared.
  IpAddress masked(int prefix_len) const;
  // "4.3.2.1" for 1.2.3.4; 32 nibbles "b.a.9.8...." for IPv6 (RFC 5782 / RFC 3596), no zone suffix.
  std::string reverse_labels() const;
  // reverse_labels() + ".in-addr.arpa" / ".ip6.arpa"
  std::string ptr_name() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

struct IpNetwork {
  IpAddress base;  // already masked
  int prefix_len = 0;

  // "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128).
  static Result<IpNetwork> parse(std::string_view text);
  bool contains(const IpAddress& a) const;  // IPv4-mapped addresses match IPv4 networks
  std::string str() const;                  // "192.0.2.0/24"
};

// The network an address belongs to for per-network state: a's first v4_prefix or v6_prefix bits,
// rendered as IpNetwork::str(), e.g. "192.0.2.0/24" or "2001:db8:1:2::/64".
std::string network_key(const IpAddress& a, int v4_prefix, int v6_prefix);

}  // namespace postern
