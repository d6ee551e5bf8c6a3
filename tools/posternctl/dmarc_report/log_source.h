// for_each_report_log_line: the report log lines of one period, from the log file and its rotated
// copies: every regular file in the log's directory named LOG, LOG.N, LOG-SUFFIX or either with
// ".gz" (logrotate's numbered, dated and compressed names), oldest first by modification time; a
// file last written before the period began is skipped unopened. Lines are streamed (gzip through
// zlib's gzread), never a whole file in memory; a line longer than kMaxReportLineBytes is skipped
// and counted, and so is one whose leading "time" is not a number. fn gets each line whose time
// falls in [begin, end]. The files are ours but may be damaged: a read error of one file is
// reported in the stats and the others are still read. Limits: kMaxReportLogFiles files.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxReportLogFiles = 1000;

struct ReportLogScan {
  std::vector<std::string> files_read;
  std::vector<std::string> errors;  // "FILE: why"
  uint64_t lines = 0;               // in the period
  uint64_t skipped = 0;             // too long, or no time
};

// Error only when the log's directory cannot be listed.
Result<ReportLogScan> for_each_report_log_line(const std::string& log_path, int64_t begin, int64_t end,
                                               const std::function<void(std::string_view)>& fn);

}  // namespace postern
