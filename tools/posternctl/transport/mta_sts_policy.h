// MTA-STS policy files (RFC 8461 3.2): the parser posternctl's check uses on a policy fetched from
// https://mta-sts.DOMAIN/.well-known/mta-sts.txt, the renderer that writes one, the policy id
// derived from its content, and MX pattern matching (RFC 8461 4.1).
// parse_mta_sts_policy is a pure function over untrusted bytes (an HTTPS body): at most
// kMaxMtaStsPolicyBytes, kMaxMtaStsLines lines, kMaxMtaStsMxPatterns mx lines. Strict where the RFC
// is: fields are "key: value" lines ending in LF or CRLF, version STSv1, a mode, a max_age of at
// most 10 digits and kMaxMtaStsMaxAge, mx patterns that are host names or "*." and a host name.
// Unknown (extension) fields are allowed and ignored, as senders do. A repeated version, mode or
// max_age is an error here (senders take the first, so a second one is a mistake worth showing).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::ctl {

inline constexpr size_t kMaxMtaStsPolicyBytes = 64 * 1024;  // RFC 8461 3.3: 64 KB
inline constexpr size_t kMaxMtaStsLines = 1024;
inline constexpr size_t kMaxMtaStsMxPatterns = 256;
inline constexpr uint64_t kMaxMtaStsMaxAge = 31557600;  // RFC 8461 3.2: about 1 year
inline constexpr size_t kMaxMtaStsIdLength = 32;        // RFC 8461 3.1: 1*32(ALPHA / DIGIT)

enum class MtaStsMode { enforce, testing, none };
const char* to_string(MtaStsMode m);

struct MtaStsPolicy {
  MtaStsMode mode = MtaStsMode::testing;
  std::vector<std::string> mx;  // patterns, lower-case, as written ("mx.example.org", "*.example.org")
  uint64_t max_age = 86400;
};

Result<MtaStsPolicy> parse_mta_sts_policy(std::string_view text);

// The policy file: "version: STSv1", "mode: ...", one "mx: ..." line per pattern, "max_age: ...",
// each line ending in CRLF (RFC 8461 3.2).
std::string render_mta_sts_policy(const MtaStsPolicy& p);

// The id for a policy's exact bytes: the first 32 hex digits of their SHA-256, so the id changes
// exactly when the policy file does.
std::string mta_sts_policy_id(std::string_view policy_text);

// RFC 8461 4.1: pattern is a host name (equal, case-insensitive) or "*.rest" (host is one label
// followed by rest).
bool mx_pattern_matches(std::string_view pattern, std::string_view host);

// A host name: dot-separated labels of letters, digits and '-', each 1-63 bytes, at most 253 in
// all, no trailing dot.
bool valid_host_name(std::string_view host);

}  // namespace postern::ctl
