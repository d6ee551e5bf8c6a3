// posternctl dmarc report build [--day YYYY-MM-DD] [--out DIR]: the RFC 9990 aggregate reports of
// one UTC day (default: yesterday) from [dmarc] report_log and its rotated copies, one gzipped XML
// file per policy domain named as the RFC says, written to DIR (default: the current directory);
// one line per report on stdout (file, domain, records, messages), a summary of skipped lines on
// stderr. Needs [dmarc] report_log and [dmarc.reports] org_name and from (else exit 78); exit 1
// when the log cannot be read or a file cannot be written.
// posternctl dmarc report send [--day YYYY-MM-DD] [--dry-run] [--resend]: builds the same reports and
// mails each to the rua addresses of the domain's current DMARC record (dmarc_report/send.h: the
// RFC 9990 authorization of outside addresses, size limits, a marker in the store so a day is sent
// once, --resend with the same Report-ID); one line per destination on stdout. Refuses (exit 78)
// unless [dmarc.reports] enabled = true, except with --dry-run, which sends and marks nothing. Exit 1
// when anything failed (DNS temperror, sendmail, store), each line saying why; else exit 75
// (EX_TEMPFAIL) when max_reports_per_run left reports for the next run ("deferred" lines; the day
// is noted in the store, and a run without --day sends such days, at most kMaxPendingDays old,
// before yesterday's).
// posternctl dmarc report read [--json] [--no-dns] FILE|MAILDIR...: reports received (mails, .xml,
// .xml.gz, .zip; RFC 7489 and RFC 9990) summarized per report and per domain with the sources that
// still fail DMARC (dmarc_report/read.h: untrusted input, bounded); reverse names of the sources
// through [dns] unless --no-dns. Exit 1 when any file or report could not be read (each named on
// its own line; the others are still read). Needs no configuration file.
// The reporting library is in dmarc_report/ (contracts there).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>

#include "common/core/clock.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/dmarc_report/build.h"
#include "tools/posternctl/dmarc_report/read.h"
#include "tools/posternctl/dmarc_report/send.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "localhost";
  return buf;
}

constexpr int kExitDeferred = 75;  // EX_TEMPFAIL: the rest is sent by the next run

std::string generator() { return std::string("postern ") + POSTERN_VERSION; }

// The configuration a report command needs, or nullptr after printing why (rc set).
const Config* report_config(Context& ctx, int& rc) {
  const Config* c = ctx.config();
  if (!c) {
    rc = kExitConfig;
    return nullptr;
  }
  std::string missing;
  if (c->dmarc.report_log.empty())
    missing = "[dmarc] report_log";
  else if (c->dmarc.reports.org_name.empty())
    missing = "[dmarc.reports] org_name";
  else if (c->dmarc.reports.from.empty())
    missing = "[dmarc.reports] from";
  if (!missing.empty()) {
    std::cerr << "posternctl: " << c->path << ": " << missing << " is not set; reports need it\n";
    rc = kExitConfig;
    return nullptr;
  }
  return c;
}

Result<int64_t> report_day(Context& ctx) {
  if (ctx.opts.has("--day")) return parse_report_day(ctx.opts.value("--day"));
  SystemClock clock;
  int64_t now = clock.unix_seconds();
  return now - now % kSecondsPerDay - kSecondsPerDay;  // yesterday, UTC
}

void print_summary(const DayReports& d, int64_t begin) {
  std::cerr << "posternctl: " << format_report_day(begin) << ": " << d.scan.lines << " log lines from "
            << d.scan.files_read.size() << " file(s), " << d.reports.size() << " report(s), "
            << d.distinct_rows << " record(s)";
  if (d.bad_lines) std::cerr << ", " << d.bad_lines << " unreadable line(s)";
  if (d.scan.skipped) std::cerr << ", " << d.scan.skipped << " skipped line(s)";
  if (d.not_reportable) std::cerr << ", " << d.not_reportable << " without a DMARC record";
  if (d.excluded) std::cerr << ", " << d.excluded << " of excluded domains";
  std::cerr << "\n";
  for (const auto& e : d.line_errors) std::cerr << "posternctl: unreadable log line: " << e << "\n";
  for (const auto& e : d.scan.errors) std::cerr << "posternctl: " << e << "\n";
}

Result<void> write_file(const std::string& path, const std::string& bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0) return Error::temp(path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int err = errno;
      ::close(fd);
      return Error::temp(path + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(w);
  }
  if (::close(fd) != 0) return Error::temp(path + ": " + std::strerror(errno));
  return ok();
}

int cmd_build(Context& ctx) {
  auto begin = report_day(ctx);
  if (!begin) return ctx.usage_error("--day: " + begin.error().message);
  int rc = 0;
  const Config* c = report_config(ctx, rc);
  if (!c) return rc;
  auto day = build_day_reports(*c, *begin, host_name(), generator());
  if (!day) {
    std::cerr << "posternctl: " << c->dmarc.report_log << ": " << day.error().message << "\n";
    return kExitFailure;
  }
  std::string dir = ctx.opts.value("--out", ".");
  for (const auto& r : day->reports) {
    std::string path = dir + "/" + r.file_name;
    if (auto w = write_file(path, r.gz); !w) {
      std::cerr << "posternctl: " << w.error().message << "\n";
      rc = kExitFailure;
      continue;
    }
    std::cout << path << " " << r.aggregate.policy.domain << " records=" << r.aggregate.rows.size()
              << " messages=" << r.aggregate.messages << "\n";
  }
  print_summary(*day, *begin);
  return rc;
}

int cmd_send(Context& ctx) {
  auto begin = report_day(ctx);
  if (!begin) return ctx.usage_error("--day: " + begin.error().message);
  int rc = 0;
  const Config* c = report_config(ctx, rc);
  if (!c) return rc;
  SendOptions options{.dry_run = ctx.opts.has("--dry-run"), .resend = ctx.opts.has("--resend")};
  if (!c->dmarc.reports.enabled && !options.dry_run) {
    std::cerr << "posternctl: " << c->path
              << ": [dmarc.reports] enabled = false: no reports are sent (--dry-run shows what would be)\n";
    return kExitConfig;
  }
  SystemClock clock;
  auto resolver = open_resolver(*c, clock, rc);
  if (!resolver) return rc;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  // Without --day: yesterday, after the days an earlier run left reports of (max_reports_per_run).
  std::vector<int64_t> days;
  if (!ctx.opts.has("--day")) {
    auto pending = pending_days(*store);
    if (!pending)
      std::cerr << "posternctl: store: " << pending.error().message << " (pending days not read)\n";
    else
      for (int64_t d : *pending)
        if (d < *begin && d >= *begin - kMaxPendingDays * kSecondsPerDay) days.push_back(d);
  }
  days.push_back(*begin);
  SendOutcome total;
  for (int64_t day_begin : days) {
    auto day = build_day_reports(*c, day_begin, host_name(), generator());
    if (!day) {
      std::cerr << "posternctl: " << c->dmarc.report_log << ": " << day.error().message << "\n";
      ++total.failed;
      continue;
    }
    options.mails_before = total.mails;
    SendOutcome o =
        send_day_reports(c->dmarc.reports, *day, *store, *resolver, clock, system_sleep, options, std::cout);
    print_summary(*day, day_begin);
    if (!options.dry_run) {
      if (auto n = note_pending_day(*store, day_begin, o.deferred > 0); !n) {
        std::cerr << "posternctl: store: " << n.error().message << "\n";
        ++total.failed;
      }
    }
    total.sent += o.sent;
    total.skipped += o.skipped;
    total.failed += o.failed;
    total.deferred += o.deferred;
    total.mails += o.mails;
  }
  std::cerr << "posternctl: " << total.sent << (options.dry_run ? " to send, " : " sent, ") << total.skipped
            << " skipped, " << total.deferred << " deferred, " << total.failed << " failed\n";
  if (total.deferred > 0)
    std::cerr << "posternctl: [dmarc.reports] max_reports_per_run = " << c->dmarc.reports.max_reports_per_run
              << " reached: " << total.deferred << " report mail(s) left for the next run\n";
  if (total.failed > 0) return kExitFailure;
  return total.deferred > 0 ? kExitDeferred : 0;
}

int cmd_read(Context& ctx) {
  DmarcReportReader reader;
  for (const auto& path : ctx.args) reader.read_path(path);
  if (!ctx.opts.has("--no-dns") && !reader.domains().empty()) {
    Config fallback;
    const Config* c = optional_config(ctx, fallback);
    if (!c) return kExitConfig;
    SystemClock clock;
    int rc = 0;
    auto resolver = open_resolver(*c, clock, rc);
    if (!resolver) return rc;
    reader.resolve_names(*resolver);
  }
  if (ctx.opts.has("--json"))
    reader.print_json(std::cout);
  else
    reader.print_text(std::cout);
  for (const auto& e : reader.errors()) std::cerr << "posternctl: " << e.source << ": " << e.message << "\n";
  return reader.errors().empty() ? 0 : kExitFailure;
}

const OptionSpec kDayOption{
    .name = "--day", .metavar = "YYYY-MM-DD", .help = "the UTC day (default: yesterday)"};

CommandRegistration reg_build(
    {.name = "dmarc",
     .subcommand = "report build",
     .usage = "dmarc report build [--day YYYY-MM-DD] [--out DIR]",
     .summary = "write the day's DMARC aggregate reports (RFC 9990) as .xml.gz files",
     .run = &cmd_build,
     .args = {
         .options = {kDayOption,
                     {.name = "--out", .metavar = "DIR", .help = "directory for the files (default: .)"}}}});

CommandRegistration reg_send(
    {.name = "dmarc",
     .subcommand = "report send",
     .usage = "dmarc report send [--day YYYY-MM-DD] [--dry-run] [--resend]",
     .summary = "mail the day's DMARC aggregate reports to the domains that ask for them (rua)",
     .run = &cmd_send,
     .args = {
         .options = {kDayOption,
                     {.name = "--dry-run", .help = "decide and print, send and mark nothing"},
                     {.name = "--resend", .help = "send reports already sent again (same Report-ID)"}}}});

CommandRegistration reg_read(
    {.name = "dmarc",
     .subcommand = "report read",
     .usage = "dmarc report read [--json] [--no-dns] FILE|MAILDIR...",
     .summary = "summarize DMARC aggregate reports received (mail, .xml, .xml.gz, .zip)",
     .run = &cmd_read,
     .args = {.options = {{.name = "--json", .help = "print JSON for scripts"},
                          {.name = "--no-dns", .help = "no reverse names for the sources"}},
              .min_positional = 1,
              .max_positional = kMaxArgs}});

}  // namespace
}  // namespace postern::ctl
