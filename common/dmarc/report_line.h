// parse_dmarc_report_line: one line of the DMARC report log (report_log.h) -> DmarcLogEntry, for the
// aggregate report builder. The file is ours but its values came from messages and DNS, and a
// log can be truncated, edited or mixed with other text, so the line is untrusted: a pure function,
// a bounded JSON reader of exactly the shapes the writer produces (an object of strings, one
// integer, booleans, arrays of strings, one object and one array of objects), with kMax* limits
// on line length, depth, members and array items. Strings are decoded from the writer's escapes
// (\" \\ \u00XX); other escapes of bytes are accepted, code points above U+00FF are refused.
// Keys it does not know are skipped (a newer writer's line is still read); keys it needs and
// values of the wrong kind or outside their enums are errors naming the key.
// Lines written before the report facts were added (no envelope_from, envelope_to, rua, fo, spf
// scope, DKIM selectors) are read with those empty (envelope_from_known = false). envelope_to is
// an array of domains (at most kMaxReportLineItems) or, in lines written before, one string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"
#include "common/dmarc/evaluator.h"
#include "common/dmarc/record.h"
#include "common/dmarc/report_log.h"

namespace postern {

inline constexpr size_t kMaxReportLineBytes = 64 * 1024;
inline constexpr size_t kMaxReportLineDepth = 3;     // line object > dkim array > signature object
inline constexpr size_t kMaxReportLineMembers = 64;  // per object
inline constexpr size_t kMaxReportLineItems = 32;    // per array (the writer: 16 DKIM, 16 rua)

struct DmarcLogDkim {
  std::string domain;    // d=, lower-case
  std::string selector;  // s=; "" in old lines
  std::string result;    // "pass", "fail", "neutral", "none", "policy", "temperror", "permerror"
  bool aligned = false;
};

struct DmarcLogEntry {
  int64_t time = 0;  // unix seconds
  std::string ip;    // the client address as written ("" when unknown)
  std::string header_from;
  DmarcResult dmarc = DmarcResult::none;
  std::string policy_domain;
  std::string org_domain;
  bool has_record = false;  // p, sp, np, adkim, aspf, testing, fo, rua are valid only with a record
  DmarcPolicy p = DmarcPolicy::none;
  std::optional<DmarcPolicy> sp, np;
  DmarcAlign adkim = DmarcAlign::relaxed;
  DmarcAlign aspf = DmarcAlign::relaxed;
  bool testing = false;
  std::string fo;
  std::vector<std::string> rua;
  std::optional<DmarcPolicy> policy;  // the record's policy after t (none without a record)
  DmarcPolicy applied = DmarcPolicy::none;
  DmarcOverride override_reason = DmarcOverride::none;
  DmarcPolicy disposition = DmarcPolicy::none;  // what was done
  bool envelope_from_known = false;             // false in lines written before it was logged
  std::string envelope_from;                    // "" also for the null sender
  std::vector<std::string> envelope_to;         // the distinct RCPT TO domains; empty when not logged
  std::string spf_domain;
  std::string
      spf_result;  // "pass", "fail", "softfail", "neutral", "none", "policy", "temperror", "permerror"
  DmarcSpfScope spf_scope = DmarcSpfScope::mfrom;
  bool spf_aligned = false;
  std::vector<DmarcLogDkim> dkim;
  std::string reason;
};

// Errors are permanent and say what is wrong ("dmarc: unknown value \"x\"", "line too long").
Result<DmarcLogEntry> parse_dmarc_report_line(std::string_view line);

// For a line parse_dmarc_report_line refused: its "policy_domain" string when the line is still a
// JSON object it can read (within the same limits), so the failure can be counted for that domain;
// "" otherwise.
std::string dmarc_report_line_domain(std::string_view line);

}  // namespace postern
