// SPF record parser (RFC 7208 section 4.6 and 12). Pure function over an untrusted TXT string,
// bounded by kMaxSpfRecordLength, kMaxSpfTerms and kMaxSpfDomainSpecLength; macro syntax inside
// domain-specs is checked here (expansion is macro.h's job). Anything the grammar does not allow is a
// permerror reason. Unknown modifiers are accepted and ignored, redirect= and exp= may appear at most once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"
#include "common/net/ip.h"

namespace postern {

inline constexpr size_t kMaxSpfRecordLength = 4096;
inline constexpr size_t kMaxSpfTerms = 128;
// A domain-spec before expansion (macros may make it longer than the 253 bytes of a name; the
// expansion is cut back to 253 bytes by macro.h).
inline constexpr size_t kMaxSpfDomainSpecLength = 1024;

enum class SpfQualifier { pass, fail, softfail, neutral };
enum class SpfMechanism { all, include, a, mx, ptr, ip4, ip6, exists };
const char* to_string(SpfMechanism m);

struct SpfTerm {
  SpfQualifier qualifier = SpfQualifier::pass;
  SpfMechanism mechanism = SpfMechanism::all;
  std::string domain_spec;           // include/a/mx/ptr/exists; "" = the current domain (a, mx, ptr)
  std::optional<IpNetwork> network;  // ip4/ip6
  int cidr4 = 32, cidr6 = 128;       // a/mx dual-cidr-length
  std::string text;                  // the term as written, for the lookup trail
};

struct SpfRecord {
  std::vector<SpfTerm> terms;
  std::string redirect;  // domain-spec, "" when absent
  std::string exp;       // domain-spec, "" when absent
};

// True when a TXT string is an SPF record: "v=spf1" (any case) followed by a space or the end.
bool is_spf_record(std::string_view txt);

Result<SpfRecord> parse_spf_record(std::string_view txt);

// Checks the macro-string syntax of a domain-spec or explanation string (no expansion).
bool valid_macro_string(std::string_view s, bool explanation);

}  // namespace postern
