// DNS list specs in the syntax of Postfix's postscreen_dnsbl_sites: "zone[=filter][*weight]".
// The filter is an IPv4 pattern whose four octets are each a number, "[a..b]" (a range) or
// "[a;b;c]" (a set), e.g. "zen.spamhaus.org=127.0.0.[2..11]*3"; without a filter any answer in
// 127.0.0.0/8 counts. The weight defaults to 1 and may be negative (an allowlist, DNSWL).
// Untrusted text (config): bounded by kMaxListSpec, every number checked. Pure parser.
#pragma once

#include <array>
#include <bitset>
#include <string>
#include <string_view>

#include "common/core/result.h"
#include "common/net/ip.h"

namespace postern {

inline constexpr size_t kMaxListSpec = 300;

struct DnsListSpec {
  std::string zone;  // lower-case, no trailing dot
  bool has_filter = false;
  std::array<std::bitset<256>, 4> octets;  // allowed values per octet
  int weight = 1;
  std::string text;  // as written, for logs

  bool matches(const IpAddress& answer) const;
};

Result<DnsListSpec> parse_dns_list_spec(std::string_view text);

}  // namespace postern
