// build_day_reports: the aggregate reports of one UTC day from the configured report log (the log
// and its rotated copies, log_source.h), one per policy domain (aggregate.h), each as XML
// (xml.h), gzipped (gzip.h) and named (naming.h). Policy domains at or below an entry of
// [dmarc.reports] exclude_domains are left out. Lines that do not parse are skipped and counted
// (the first few errors kept for the log), and for their policy domain when it can still be read;
// each report's <error> element says what could not be evaluated or read for it (report_errors). Memory: the
// distinct rows of the day, plus one report's XML at a time per report kept (reports are small: rows, not
// messages).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "tools/posternctl/dmarc_report/aggregate.h"
#include "tools/posternctl/dmarc_report/log_source.h"
#include "tools/posternctl/dmarc_report/xml.h"

namespace postern {

inline constexpr size_t kMaxKeptLineErrors = 5;
inline constexpr int64_t kSecondsPerDay = 86400;

struct BuiltReport {
  DmarcAggregate aggregate;
  DmarcReportMeta meta;
  std::string receiver;
  std::string file_name;
  std::string subject;
  std::string gz;  // the gzipped XML
  size_t xml_bytes = 0;
};

struct DayReports {
  std::vector<BuiltReport> reports;
  ReportLogScan scan;
  uint64_t bad_lines = 0;
  std::vector<std::string> line_errors;  // the first kMaxKeptLineErrors
  uint64_t not_reportable = 0;
  uint64_t excluded = 0;  // messages of excluded policy domains
  size_t distinct_rows = 0;
};

// "2026-01-31" -> unix seconds of its 00:00:00 UTC; error on anything else.
Result<int64_t> parse_report_day(std::string_view day);
std::string format_report_day(int64_t begin);
// The receiver: the domain of [dmarc.reports] from.
std::string report_receiver(const DmarcReportsConfig& c);
// True when domain is excluded by c.exclude_domains.
bool report_domain_excluded(const DmarcReportsConfig& c, std::string_view domain);

// The texts of a report's <error> element (xml.h): the aggregate's temperrors and unreadable
// lines, and log files that could not be read in full (the same note in every report of the day).
std::vector<std::string> report_errors(const DmarcAggregate& a, const ReportLogScan& scan);

Result<DayReports> build_day_reports(const Config& config, int64_t begin, const std::string& host,
                                     const std::string& generator);

}  // namespace postern
