// Parser for the send-limit overrides file ([policyd.ratelimit] overrides):
//
//   # LOGIN or @DOMAIN, then its limits
//   alice@example.org   messages=1000/1h recipients=5000/1d
//   @example.net        messages=300/1h bytes=500M/1d
//   relay@example.org   none
//
// A LOGIN line replaces every by = "login" limit of the config for that login; an @DOMAIN line
// does so for every login whose domain part (after the last '@') is DOMAIN, unless that login has
// a line of its own. Quantities with the same window form one limit. "none" lifts the login limits.
// Subjects are lower-cased (ASCII). The file is untrusted as far as parsing goes: bounded by
// kMaxOverridesBytes, kMaxOverrideLine, kMaxOverrideSubject and kMaxOverrideLimits; each problem
// is reported with its line number and that line is skipped; a repeated subject keeps the first.
// Pure function.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/ratelimit/limit.h"

namespace postern {

inline constexpr size_t kMaxOverridesBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxOverrideLine = 4096;
inline constexpr size_t kMaxOverrideSubject = 320;
inline constexpr size_t kMaxOverrideLimits = 16;  // distinct windows on one line

struct LimitOverride {
  std::string subject;            // "alice@example.org" or "@example.org", lower-case
  std::vector<SendLimit> limits;  // by = login; empty for "none"
  int line = 0;
};

struct OverridesParse {
  std::vector<LimitOverride> entries;
  std::vector<std::string> errors;  // "LINE: message"
};

OverridesParse parse_limit_overrides(std::string_view text);

}  // namespace postern
