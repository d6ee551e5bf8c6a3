// Sending DMARC aggregate reports (tools/posternctl/dmarc_report/send.h) with an injected clock and
// sleep, a memory store, a recording sendmail script and the harness DNS server: [dmarc.reports]
// pause is waited between two mails to the same destination host only (and never for real: the
// sleep advances a FakeClock), max_reports_per_run leaves the rest "deferred" with its reason and
// no marker, and the next run sends exactly those; the pending-day notes a run without --day
// reads. The command's exit status for a deferral (75) is checked through the real posternctl.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "common/store/memory_store.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tools/posternctl/dmarc_report/aggregate.h"
#include "tools/posternctl/dmarc_report/send.h"

namespace postern {
namespace {

constexpr int64_t kDay = 1767225600;  // 2026-01-01

DmarcLogEntry entry(const std::string& domain) {
  DmarcLogEntry e;
  e.time = kDay + 10;
  e.ip = "192.0.2.1";
  e.header_from = domain;
  e.dmarc = DmarcResult::pass;
  e.policy_domain = domain;
  e.has_record = true;
  e.p = DmarcPolicy::none;
  e.policy = DmarcPolicy::none;
  e.spf_domain = domain;
  e.spf_result = "pass";
  e.spf_aligned = true;
  return e;
}

// The day's reports for a.test, b.test, c.test and d.test, built as build_day_reports does.
DayReports reports() {
  DmarcReportAggregator agg;
  for (const char* d : {"a.test", "b.test", "c.test", "d.test"}) agg.add(entry(d));
  DayReports day;
  int n = 0;
  for (auto& a : agg.take()) {
    BuiltReport r;
    r.receiver = "mx.example";
    r.meta.org_name = "MX";
    r.meta.email = "dmarc-reports@mx.example";
    r.meta.begin = kDay;
    r.meta.end = kDay + kSecondsPerDay - 1;
    r.aggregate = std::move(a);
    EXPECT_TRUE(set_report_id(r, "id" + std::to_string(++n)));
    day.reports.push_back(std::move(r));
  }
  return day;
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

class DmarcReportSend : public ::testing::Test {
 protected:
  void SetUp() override {
    // a, b and d report to reports.test (authorized), c to itself.
    for (const char* d : {"a.test", "b.test", "d.test"}) {
      dns_.add(std::string("_dmarc.") + d, "TXT", "\"v=DMARC1; p=none; rua=mailto:agg@reports.test\"");
      dns_.add(std::string(d) + "._report._dmarc.reports.test", "TXT", "\"v=DMARC1\"");
    }
    dns_.add("_dmarc.c.test", "TXT", "\"v=DMARC1; p=none; rua=mailto:agg@c.test\"");
    resolver_ = test::make_test_resolver(dns_);
    calls_ = dir_.path() / "calls";
    auto script =
        dir_.write("sendmail", "#!/bin/sh\necho \"$@\" >> '" + calls_.string() + "'\ncat > /dev/null\n");
    chmod(script.c_str(), 0755);
    c_.enabled = true;
    c_.org_name = "MX";
    c_.from = "dmarc-reports@mx.example";
    c_.sendmail = script.string();
    c_.pause = std::chrono::seconds(30);
    c_.max_reports_per_run = 3;
  }

  SendOutcome run(std::string& out) {
    DayReports day = reports();
    std::ostringstream lines;
    SleepFn sleep = [this](std::chrono::nanoseconds d) {
      sleeps_.push_back(std::chrono::duration_cast<std::chrono::seconds>(d));
      clock_.advance(d);
    };
    SendOutcome o = send_day_reports(c_, day, store_, *resolver_, clock_, sleep, SendOptions{}, lines);
    out = lines.str();
    return o;
  }

  test::TempDir dir_;
  test::TestDnsServer dns_;
  std::unique_ptr<Resolver> resolver_;
  std::filesystem::path calls_;
  DmarcReportsConfig c_;
  FakeClock clock_;
  MemoryStore store_{clock_};
  std::vector<std::chrono::seconds> sleeps_;
};

TEST_F(DmarcReportSend, PauseOnlyBetweenMailsToTheSameHostAndTheRunLimitDefersTheRest) {
  const MonoTime start = clock_.monotonic();
  std::string out;
  SendOutcome first = run(out);
  EXPECT_EQ(first.sent, 3u) << out;
  EXPECT_EQ(first.deferred, 1u) << out;
  EXPECT_EQ(first.failed, 0u) << out;
  EXPECT_EQ(first.mails, 3u);
  // a.test, then b.test to the same host after the pause, then c.test to another host at once.
  EXPECT_EQ(sleeps_, std::vector<std::chrono::seconds>{std::chrono::seconds(30)});
  EXPECT_EQ(clock_.monotonic() - start, std::chrono::seconds(30));
  EXPECT_EQ(slurp(calls_),
            "-i -f dmarc-reports@mx.example -- agg@reports.test\n"
            "-i -f dmarc-reports@mx.example -- agg@reports.test\n"
            "-i -f dmarc-reports@mx.example -- agg@c.test\n");
  EXPECT_NE(out.find("deferred d.test 2026-01-01 agg@reports.test: max_reports_per_run (3) reached; sent by "
                     "the next run\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("sent b.test 2026-01-01 agg@reports.test: "), std::string::npos) << out;
  // The next run: what was sent is not sent again, the deferred one is, with no pause (the first
  // mail of the run to that host).
  sleeps_.clear();
  SendOutcome second = run(out);
  EXPECT_EQ(second.sent, 1u) << out;
  EXPECT_EQ(second.skipped, 3u) << out;
  EXPECT_EQ(second.deferred, 0u) << out;
  EXPECT_TRUE(sleeps_.empty());
  EXPECT_NE(out.find("sent d.test 2026-01-01 agg@reports.test: "), std::string::npos) << out;
  EXPECT_NE(out.find("skipped a.test 2026-01-01 agg@reports.test: already sent"), std::string::npos) << out;
}

TEST_F(DmarcReportSend, EveryMailToTheSameHostWaitsThePause) {
  c_.max_reports_per_run = 1000;
  c_.pause = std::chrono::seconds(45);
  std::string out;
  SendOutcome o = run(out);
  EXPECT_EQ(o.sent, 4u) << out;
  // a -> b: 45 s; c goes elsewhere; d: 45 s after b.
  EXPECT_EQ(sleeps_, (std::vector<std::chrono::seconds>{std::chrono::seconds(45), std::chrono::seconds(45)}));
}

TEST_F(DmarcReportSend, PendingDaysAreNotedAndCleared) {
  ASSERT_TRUE(note_pending_day(store_, kDay, true));
  ASSERT_TRUE(note_pending_day(store_, kDay - kSecondsPerDay, true));
  auto days = pending_days(store_);
  ASSERT_TRUE(days);
  EXPECT_EQ(*days, (std::vector<int64_t>{kDay - kSecondsPerDay, kDay}));
  ASSERT_TRUE(note_pending_day(store_, kDay, false));
  days = pending_days(store_);
  ASSERT_TRUE(days);
  EXPECT_EQ(*days, std::vector<int64_t>{kDay - kSecondsPerDay});
  // Kept kMaxPendingDays days.
  clock_.advance(std::chrono::seconds(kMaxPendingDays * kSecondsPerDay + 1));
  days = pending_days(store_);
  ASSERT_TRUE(days);
  EXPECT_TRUE(days->empty());
}

std::string day_text(int64_t begin) {
  time_t t = static_cast<time_t>(begin);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// The command: a deferral is exit 75 with the reason; the day is noted, and the next run without
// --day sends the rest of it (before yesterday's, which has nothing here) and exits 0.
TEST_F(DmarcReportSend, CommandExitsSeventyFiveOnADeferralAndTheNextRunSendsTheRest) {
  const int64_t now = time(nullptr);
  const int64_t two_days_ago = now - now % kSecondsPerDay - 2 * kSecondsPerDay;
  std::string log;
  for (const char* d : {"a.test", "c.test"}) {
    log += "{\"time\":" + std::to_string(two_days_ago + 60) + ",\"ip\":\"192.0.2.1\",\"header_from\":\"" + d +
           "\",\"dmarc\":\"pass\",\"policy_domain\":\"" + d +
           "\",\"p\":\"none\",\"applied\":\"none\",\"disposition\":\"none\",\"envelope_to\":[\"mx.example\"],"
           "\"spf\":{\"domain\":\"" +
           d + "\",\"result\":\"pass\",\"aligned\":true},\"dkim\":[]}\n";
  }
  auto log_file = dir_.write("dmarc.log", log);
  auto conf =
      dir_.write("postern.conf", "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"" + dns_.address() +
                                     "\"]\n[dmarc]\nreport_log = \"" + log_file.string() +
                                     "\"\n[dmarc.reports]\nenabled = true\norg_name = \"MX\"\n"
                                     "from = \"dmarc-reports@mx.example\"\nsendmail = \"" +
                                     c_.sendmail +
                                     "\"\npause = \"0s\"\nmax_reports_per_run = 1\n"
                                     "[store]\nlmdb_path = \"" +
                                     (dir_.path() / "state").string() + "\"\n");
  auto first = test::run_command(
      {POSTERNCTL, "-c", conf.string(), "dmarc", "report", "send", "--day", day_text(two_days_ago)});
  EXPECT_EQ(first.exit_code, 75) << first.output;
  EXPECT_NE(first.output.find("sent a.test " + day_text(two_days_ago) + " agg@reports.test: "),
            std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("deferred c.test " + day_text(two_days_ago) +
                              " agg@c.test: max_reports_per_run (1) reached; sent by the next run\n"),
            std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find("posternctl: [dmarc.reports] max_reports_per_run = 1 reached: 1 report mail(s) "
                              "left for the next run\n"),
            std::string::npos)
      << first.output;
  auto next = test::run_command({POSTERNCTL, "-c", conf.string(), "dmarc", "report", "send"});
  EXPECT_EQ(next.exit_code, 0) << next.output;
  EXPECT_NE(next.output.find("sent c.test " + day_text(two_days_ago) + " agg@c.test: "), std::string::npos)
      << next.output;
  EXPECT_NE(next.output.find("skipped a.test " + day_text(two_days_ago) + " agg@reports.test: already sent"),
            std::string::npos)
      << next.output;
  EXPECT_EQ(slurp(calls_),
            "-i -f dmarc-reports@mx.example -- agg@reports.test\n"
            "-i -f dmarc-reports@mx.example -- agg@c.test\n");
  // Nothing is pending any more: a third run sends nothing.
  auto third = test::run_command({POSTERNCTL, "-c", conf.string(), "dmarc", "report", "send"});
  EXPECT_EQ(third.exit_code, 0) << third.output;
  EXPECT_EQ(third.output.find("sent "), std::string::npos) << third.output;
}

}  // namespace
}  // namespace postern
