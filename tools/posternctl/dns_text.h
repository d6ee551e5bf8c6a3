// Small helpers shared by the dns-records sections: TXT lookups filtered by a version tag, record
// text compared modulo case and spacing, zone-file quoting. DNS answers are untrusted: callers
// print them through log_safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns/resolver.h"

namespace postern::ctl {

inline constexpr auto kLookupDeadline = std::chrono::seconds(10);
inline constexpr size_t kMaxShownRecord = 300;

// The TXT records of name whose text starts with the version tag (case-insensitive, then a space
// or the end; "" = every record), or a reason the lookup gave nothing usable.
struct TxtLookup {
  std::vector<std::string> matching;
  std::string problem;  // "lookup failed (...)" for failures; "" otherwise
};
TxtLookup lookup_txt(Resolver& resolver, const std::string& name, std::string_view tag);

// "lookup failed (servfail: SERVFAIL)" for a failed lookup.
std::string lookup_failed(const DnsResult& r);

// Words separated by single spaces, lower-case: records that differ only there are the same.
std::string normalized(std::string_view s);

// text in double quotes, '"' and '\\' escaped, as a zone file's TXT data.
std::string quoted(std::string_view text);

}  // namespace postern::ctl
