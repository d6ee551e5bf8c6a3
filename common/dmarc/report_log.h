// DmarcReportLog: an append-only file with one JSON object per line for every DMARC evaluation, the
// data RFC 9990 aggregate reports are built from later (format in docs/milter.md, "DMARC"). The
// values come from messages and DNS and are untrusted: format_dmarc_report_line escapes them as
// JSON strings (control characters and non-ASCII bytes as \u00XX), and caps each value at
// kMaxReportValueBytes and the number of DKIM entries at kMaxDkimChecks. Each line is written with
// one write(2) on a file opened O_APPEND for that write, so concurrent writers never interleave and
// logrotate needs no signal. Thread-safe; the clock is injected.
#pragma once

#include <string>
#include <string_view>

#include "common/core/clock.h"
#include "common/core/result.h"
#include "common/dmarc/evaluator.h"

namespace postern {

inline constexpr size_t kMaxReportValueBytes = 512;

// One line, ending in '\n'. disposition: what was done ("none", "quarantine", "reject").
std::string format_dmarc_report_line(int64_t unix_time, const DmarcInput& in, const DmarcVerdict& v,
                                     std::string_view disposition);

class DmarcReportLog {
 public:
  DmarcReportLog(std::string path, const Clock& clock) : path_(std::move(path)), clock_(clock) {}
  // Errors are temporary (disk full, permissions): the caller logs them and goes on.
  Result<void> append(const DmarcInput& in, const DmarcVerdict& v, std::string_view disposition) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  const Clock& clock_;
};

}  // namespace postern
