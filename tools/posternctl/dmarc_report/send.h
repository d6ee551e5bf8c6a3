// send_day_reports: the mail side of `posternctl dmarc report send`. For each built report (build.h)
// of the day: the destinations from the domain's current record (destinations.h); per address, a
// report larger than its "!size" is not sent, one already sent (a marker in the store, key
// "dmarc-report:DAY:DOMAIN:HASH(address)", kept kReportMarkerDays) is not sent again unless
// resend, in which case the Report-ID of the first sending is reused; otherwise the mail
// (mail.h) goes to [dmarc.reports] sendmail and the marker is written. At most
// max_reports_per_run mails; [dmarc.reports] pause between two mails to the same destination host
// (a real wait: this runs from a timer, not in a daemon). dry_run decides everything (DNS
// included) and sends and marks nothing. One line per destination on out, the outcome first
// ("sent", "would send", "skipped", "failed"), then domain, day, address and the reason.
#pragma once

#include <chrono>
#include <functional>
#include <ostream>

#include "common/core/clock.h"
#include "common/dmarc/dmarc_config.h"
#include "common/dns/resolver.h"
#include "common/store/store.h"
#include "tools/posternctl/dmarc_report/build.h"

namespace postern {

inline constexpr int64_t kReportMarkerDays = 100;

struct SendOptions {
  bool dry_run = false;
  bool resend = false;
  size_t mails_before = 0;  // mails this run already handed to sendmail (max_reports_per_run is per run)
};

struct SendOutcome {
  size_t sent = 0;      // or would be sent (dry run)
  size_t skipped = 0;   // decided not to send: no record, no rua, unauthorized, too big, already sent
  size_t failed = 0;    // could not decide or send now: DNS temperror, sendmail or store error
  size_t deferred = 0;  // left for the next run: max_reports_per_run reached
  size_t mails = 0;     // handed to sendmail (or would be), counted against max_reports_per_run
};

// Days with deferred destinations, so that a run without --day sends them before yesterday's
// (store key "dmarc-report-pending:YYYY-MM-DD", kept kMaxPendingDays days). note_pending_day
// writes or removes the day's key; pending_days lists them, oldest first.
inline constexpr int64_t kMaxPendingDays = 7;
Result<void> note_pending_day(Store& store, int64_t begin, bool pending);
Result<std::vector<int64_t>> pending_days(Store& store);

// Waits for a duration (the pause); SystemSleep sleeps the thread.
using SleepFn = std::function<void(std::chrono::nanoseconds)>;
void system_sleep(std::chrono::nanoseconds d);

// The Report-ID of report r becomes id (file name, subject, XML and gzip rebuilt).
Result<void> set_report_id(BuiltReport& r, const std::string& id);

SendOutcome send_day_reports(const DmarcReportsConfig& c, DayReports& day, Store& store, Resolver& resolver,
                             const Clock& clock, const SleepFn& sleep, SendOptions options,
                             std::ostream& out);

}  // namespace postern
