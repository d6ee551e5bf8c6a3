// Implements build_day_reports. Contract in build.h.
#include "tools/posternctl/dmarc_report/build.h"

#include <ctime>

#include "common/core/ascii.h"
#include "common/dmarc/report_line.h"
#include "tools/posternctl/dmarc_report/gzip.h"
#include "tools/posternctl/dmarc_report/naming.h"

namespace postern {

Result<int64_t> parse_report_day(std::string_view day) {
  auto digits = [&](size_t at, size_t n, int& out) {
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (day[i] < '0' || day[i] > '9') return false;
      out = out * 10 + (day[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (day.size() != 10 || day[4] != '-' || day[7] != '-' || !digits(0, 4, y) || !digits(5, 2, m) ||
      !digits(8, 2, d) || y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
    return Error::perm("\"" + std::string(day.substr(0, 32)) + "\" is not a day (YYYY-MM-DD)");
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = m - 1;
  tm.tm_mday = d;
  time_t t = timegm(&tm);
  if (tm.tm_mday != d || tm.tm_mon != m - 1)
    return Error::perm("\"" + std::string(day) + "\" is not a day of its month");
  return static_cast<int64_t>(t);
}

std::string format_report_day(int64_t begin) {
  time_t t = static_cast<time_t>(begin);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
  return buf;
}

std::string report_receiver(const DmarcReportsConfig& c) {
  size_t at = c.from.rfind('@');
  return at == std::string::npos ? std::string() : ascii_lower(c.from.substr(at + 1));
}

bool report_domain_excluded(const DmarcReportsConfig& c, std::string_view domain) {
  if (c.exclude_domains.empty()) return false;
  std::string d = ascii_lower(domain);
  for (const auto& x : c.exclude_domains) {
    std::string e = ascii_lower(x);
    if (d == e || (d.size() > e.size() && d.ends_with(e) && d[d.size() - e.size() - 1] == '.')) return true;
  }
  return false;
}

std::vector<std::string> report_errors(const DmarcAggregate& a, const ReportLogScan& scan) {
  std::vector<std::string> errors;
  if (a.temperrors > 0)
    errors.push_back(std::to_string(a.temperrors) +
                     " message(s) not evaluated: temporary DNS error looking up the DMARC policy");
  if (a.unreadable > 0)
    errors.push_back(std::to_string(a.unreadable) + " evaluation(s) not reported: unreadable log entries");
  if (!scan.errors.empty())
    errors.push_back("part of the receiver's log could not be read (" + std::to_string(scan.errors.size()) +
                     " file error(s)); counts may be low");
  return errors;
}

Result<DayReports> build_day_reports(const Config& config, int64_t begin, const std::string& host,
                                     const std::string& generator) {
  const DmarcReportsConfig& rc = config.dmarc.reports;
  const int64_t end = begin + kSecondsPerDay - 1;
  DayReports out;
  DmarcReportAggregator agg;
  auto scan = for_each_report_log_line(config.dmarc.report_log, begin, end, [&](std::string_view line) {
    auto e = parse_dmarc_report_line(line);
    if (!e) {
      if (out.line_errors.size() < kMaxKeptLineErrors) out.line_errors.push_back(e.error().message);
      ++out.bad_lines;
      std::string domain = ascii_lower(dmarc_report_line_domain(line));
      if (!domain.empty() && !report_domain_excluded(rc, domain)) agg.add_unreadable(domain);
      return;
    }
    if (e->has_record && report_domain_excluded(rc, e->policy_domain)) {
      ++out.excluded;
      return;
    }
    agg.add(*e);
  });
  if (!scan) return scan.error();
  out.scan = std::move(*scan);
  out.not_reportable = agg.stats().not_reportable;
  out.distinct_rows = agg.distinct_rows();
  const std::string receiver = report_receiver(rc);
  for (auto& a : agg.take()) {
    BuiltReport r;
    r.receiver = receiver;
    r.meta.org_name = rc.org_name;
    r.meta.email = rc.from;
    r.meta.report_id = dmarc_report_id(receiver, host, a.policy.domain, begin);
    r.meta.begin = begin;
    r.meta.end = end;
    r.meta.generator = generator;
    r.meta.errors = report_errors(a, out.scan);
    r.file_name = dmarc_report_file_name(receiver, a.policy.domain, begin, end, r.meta.report_id);
    r.subject = dmarc_report_subject(a.policy.domain, receiver, r.meta.report_id);
    std::string xml = dmarc_report_xml(a, r.meta);
    r.xml_bytes = xml.size();
    auto gz = gzip_compress(xml);
    if (!gz) return gz.error();
    r.gz = std::move(*gz);
    r.aggregate = std::move(a);
    out.reports.push_back(std::move(r));
  }
  return out;
}

}  // namespace postern
