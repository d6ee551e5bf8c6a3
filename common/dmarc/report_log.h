// DmarcReportLog: an append-only file with one JSON object per line for every DMARC evaluation, the
// data RFC 9990 aggregate reports are built from later (format in docs/milter.md, "DMARC"). The
// values come from messages and DNS and are untrusted: format_dmarc_report_line escapes them as
// JSON strings (control characters and non-ASCII bytes as \u00XX), and caps each value at
// kMaxReportValueBytes and the number of DKIM entries at kMaxDkimChecks. Each line is written with
// one write(2) on a file opened O_APPEND for that write, so concurrent writers never interleave and
// logrotate needs no signal. Thread-safe; the clock is injected.
// Since the aggregate report work (RFC 9990) a line also carries what the report needs and the
// verdict lacks (DmarcReportFacts): each DKIM signature's selector, the RFC5321.MailFrom domain and
// the SPF scope, the envelope recipient domains, and the record's rua and fo. Lines written before
// have none of them; the reader (report_line.h) takes both. envelope_to is a JSON array of the
// message's distinct RCPT TO domains (at most kMaxReportRcptDomains, in RCPT order); lines
// written before it was an array carry one string (the first recipient's domain).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/clock.h"
#include "common/core/result.h"
#include "common/dmarc/evaluator.h"

namespace postern {

inline constexpr size_t kMaxReportValueBytes = 512;
// Distinct recipient domains kept per message (the report has one row per domain).
inline constexpr size_t kMaxReportRcptDomains = 16;

enum class DmarcSpfScope { mfrom, helo };
const char* to_string(DmarcSpfScope s);  // "mfrom", "helo"

// What an aggregate report needs beyond the evaluator's input and verdict.
struct DmarcReportFacts {
  std::vector<std::string> dkim_selectors;         // s= of each DmarcInput::dkim entry, in the same order
  std::string envelope_from;                       // RFC5321.MailFrom domain; "" for the null sender
  DmarcSpfScope spf_scope = DmarcSpfScope::mfrom;  // helo: SPF checked the HELO name
  std::vector<std::string> envelope_to;            // the distinct RCPT TO domains, in RCPT order
};

// One line, ending in '\n'. disposition: what was done ("none", "quarantine", "reject").
std::string format_dmarc_report_line(int64_t unix_time, const DmarcInput& in, const DmarcVerdict& v,
                                     std::string_view disposition, const DmarcReportFacts& facts = {});

class DmarcReportLog {
 public:
  DmarcReportLog(std::string path, const Clock& clock) : path_(std::move(path)), clock_(clock) {}
  // Errors are temporary (disk full, permissions): the caller logs them and goes on.
  Result<void> append(const DmarcInput& in, const DmarcVerdict& v, std::string_view disposition,
                      const DmarcReportFacts& facts = {}) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const Clock& clock_;
};

}  // namespace postern
