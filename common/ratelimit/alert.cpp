// Implements build_limit_alert. Contract in alert.h.
#include "common/ratelimit/alert.h"

#include <ctime>

#include "common/core/quantity.h"
#include "common/log/log.h"

namespace postern {
namespace {

std::string rfc5322_date(int64_t unix) {
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

std::string iso(int64_t unix) {
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string amount(LimitMetric m, int64_t v) {
  return m == LimitMetric::bytes ? render_byte_size(v) : std::to_string(v);
}

}  // namespace

std::string build_limit_alert(const LimitAlert& a) {
  const RateDecision& d = a.decision;
  const std::string who = log_safe(d.subject, 200);
  const std::string kind = limit_by_name(d.limit.by);
  const std::string limit = amount(d.metric, d.allowed) + " " + limit_metric_name(d.metric) + " per " +
                            render_duration_seconds(d.limit.window);
  std::string m;
  m += "From: postern-policyd <" + a.to + ">\n";
  m += "To: <" + a.to + ">\n";
  m += "Subject: Send limit reached: " + kind + " " + who + " (" + limit + ")\n";
  m += "Date: " + rfc5322_date(a.now) + "\n";
  m += "Auto-Submitted: auto-generated\n";
  m += "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n";
  m += "postern-policyd on " + log_safe(a.host, 200) + " refused a message of " + kind + " " + who + " at " +
       iso(a.now) + ":\n";
  m += "  limit:   " + limit + "\n";
  m += "  count:   " + amount(d.metric, d.count) + " with this message\n";
  if (a.outcome == LimitOutcome::hold) {
    m += "  outcome: held in Postfix's hold queue (and so are its next messages while the limit is full)\n";
  } else if (a.outcome == LimitOutcome::reject) {
    m += "  outcome: rejected (the message alone exceeds the limit)\n";
  } else {
    m += "  outcome: deferred; the sender may retry after " + iso(d.retry_at) + "\n";
  }
  m += "\nRecent counts of " + who + ":\n";
  for (const auto& r : a.counts) {
    int64_t max = 0;
    for (const auto& l : a.limits) {
      if (l.window == r.window && l.by == r.by) max = l.of(r.metric);
    }
    m += "  " + render_duration_seconds(r.window) + " " + limit_metric_name(r.metric) + ": " +
         amount(r.metric, r.count) + (max > 0 ? " of " + amount(r.metric, max) : "") + "\n";
  }
  m += "\nIf this is not expected, the account's password may be known to someone else: change it.\n";
  m += "This is the only alert for this " + kind + " and limit within " +
       render_duration_seconds(d.limit.window) + ".\n\n";
  m += "To let it send again now:   posternctl ratelimit reset " + who + "\n";
  m += "To see every counter:       posternctl ratelimit list\n";
  if (a.outcome == LimitOutcome::hold)
    m += "Held messages:              postqueue -j (then postsuper -H QUEUE_ID to release, postsuper -d "
         "QUEUE_ID "
         "to delete)\n";
  return m;
}

}  // namespace postern
