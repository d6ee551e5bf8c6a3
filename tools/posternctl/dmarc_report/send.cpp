// Implements send_day_reports. Contract in send.h.
#include "tools/posternctl/dmarc_report/send.h"

#include <openssl/evp.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "tools/posternctl/dmarc_report/destinations.h"
#include "tools/posternctl/dmarc_report/gzip.h"
#include "tools/posternctl/dmarc_report/mail.h"
#include "tools/posternctl/dmarc_report/naming.h"
#include "tools/posternctl/dmarc_report/sendmail.h"

namespace postern {
namespace {

constexpr auto kPlanDeadline = std::chrono::seconds(30);

std::string short_hash(std::string_view s) {
  unsigned char d[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), d, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 12 && i < n; ++i) {
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 15];
  }
  return out;
}

std::string marker_prefix(const BuiltReport& r) {
  return "dmarc-report:" + format_report_day(r.meta.begin) + ":" + r.aggregate.policy.domain + ":";
}

}  // namespace

Result<void> set_report_id(BuiltReport& r, const std::string& id) {
  if (id.empty() || id.size() > 64 ||
      id.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz") != std::string::npos)
    return Error::perm("stored Report-ID \"" + id.substr(0, 64) + "\" is not letters and digits");
  r.meta.report_id = id;
  r.file_name = dmarc_report_file_name(r.receiver, r.aggregate.policy.domain, r.meta.begin, r.meta.end, id);
  r.subject = dmarc_report_subject(r.aggregate.policy.domain, r.receiver, id);
  std::string xml = dmarc_report_xml(r.aggregate, r.meta);
  r.xml_bytes = xml.size();
  auto gz = gzip_compress(xml);
  if (!gz) return gz.error();
  r.gz = std::move(*gz);
  return ok();
}

void system_sleep(std::chrono::nanoseconds d) { std::this_thread::sleep_for(d); }

namespace {
constexpr std::string_view kPendingPrefix = "dmarc-report-pending:";
}

Result<void> note_pending_day(Store& store, int64_t begin, bool pending) {
  std::string key = std::string(kPendingPrefix) + format_report_day(begin);
  if (pending) return store.put(key, "1", Seconds(kMaxPendingDays * kSecondsPerDay));
  auto removed = store.remove(key);
  if (!removed) return removed.error();
  return ok();
}

Result<std::vector<int64_t>> pending_days(Store& store) {
  auto entries = store.scan(kPendingPrefix, static_cast<size_t>(kMaxPendingDays) * 2);
  if (!entries) return entries.error();
  std::vector<int64_t> days;
  for (const auto& e : *entries) {
    auto day = parse_report_day(std::string_view(e.key).substr(kPendingPrefix.size()));
    if (day) days.push_back(*day);
  }
  std::sort(days.begin(), days.end());
  return days;
}

SendOutcome send_day_reports(const DmarcReportsConfig& c, DayReports& day, Store& store, Resolver& resolver,
                             const Clock& clock, const SleepFn& sleep, SendOptions options,
                             std::ostream& out) {
  SendOutcome o;
  std::map<std::string, MonoTime> last_to_host;
  size_t mails = options.mails_before;
  for (auto& r : day.reports) {
    const std::string& domain = r.aggregate.policy.domain;
    const std::string when = format_report_day(r.meta.begin);
    auto line = [&](const char* outcome, const std::string& address, const std::string& why) {
      out << outcome << " " << domain << " " << when << " " << (address.empty() ? "-" : address) << ": "
          << why << "\n";
    };
    // A report sent before keeps its Report-ID (the first sending's, whatever host built it).
    auto stored = store.scan(marker_prefix(r), 1);
    if (!stored) {
      line("failed", "", "store: " + stored.error().message);
      ++o.failed;
      continue;
    }
    if (!stored->empty() && stored->front().value != r.meta.report_id) {
      if (auto s = set_report_id(r, stored->front().value); !s) {
        line("failed", "", s.error().message);
        ++o.failed;
        continue;
      }
    }
    DestinationPlan plan = plan_report_destinations(resolver, domain, Deadline::after(kPlanDeadline));
    if (plan.record == DmarcLookupStatus::temperror) {
      line("failed", "", "DNS: _dmarc." + domain + ": " + plan.note + " (retried next run)");
      ++o.failed;
      continue;
    }
    if (plan.record == DmarcLookupStatus::none) {
      line("skipped", "", "no DMARC record at _dmarc." + domain + " now (" + plan.note + ")");
      ++o.skipped;
      continue;
    }
    if (plan.destinations.empty()) {
      line("skipped", "", "the DMARC record asks for no aggregate reports (no rua)");
      ++o.skipped;
      continue;
    }
    for (const auto& d : plan.destinations) {
      const std::string& address = d.target.address;
      if (d.status != DestinationStatus::send) {
        line(d.status == DestinationStatus::temperror ? "failed" : "skipped",
             address.empty() ? d.uri : address, std::string(to_string(d.status)) + ": " + d.reason);
        ++(d.status == DestinationStatus::temperror ? o.failed : o.skipped);
        continue;
      }
      std::string mail = compose_report_mail(r, c.from, address, clock.unix_seconds());
      if (d.target.max_bytes && mail.size() > *d.target.max_bytes) {
        line("skipped", address,
             "report mail of " + std::to_string(mail.size()) + " bytes is over the destination's limit of " +
                 std::to_string(*d.target.max_bytes));
        ++o.skipped;
        continue;
      }
      const std::string key = marker_prefix(r) + short_hash(address);
      auto marker = store.get(key);
      if (!marker) {
        line("failed", address, "store: " + marker.error().message);
        ++o.failed;
        continue;
      }
      if (*marker && !options.resend) {
        line("skipped", address,
             "already sent (Report-ID " + r.meta.report_id + "; --resend sends it again)");
        ++o.skipped;
        continue;
      }
      if (mails == static_cast<size_t>(c.max_reports_per_run)) {
        line("deferred", address,
             "max_reports_per_run (" + std::to_string(c.max_reports_per_run) +
                 ") reached; sent by the next run");
        ++o.deferred;
        continue;
      }
      ++mails;
      ++o.mails;
      if (options.dry_run) {
        line("would send", address,
             std::to_string(mail.size()) + " bytes, " + r.file_name + (d.external ? ", " + d.reason : ""));
        ++o.sent;
        continue;
      }
      if (auto it = last_to_host.find(d.target.host); it != last_to_host.end()) {
        MonoTime ready = it->second + c.pause;
        MonoTime now = clock.monotonic();
        if (ready > now) sleep(ready - now);
      }
      auto sent = run_sendmail(c.sendmail, c.from, address, mail);
      last_to_host[d.target.host] = clock.monotonic();
      if (!sent) {
        line("failed", address, sent.error().message);
        ++o.failed;
        continue;
      }
      auto mark = store.put(key, r.meta.report_id, Seconds(kReportMarkerDays * kSecondsPerDay));
      line("sent", address,
           std::to_string(mail.size()) + " bytes, Report-ID " + r.meta.report_id +
               (mark ? "" : "; marker not stored (" + mark.error().message + "): it may be sent again"));
      ++o.sent;
      if (!mark) ++o.failed;
    }
  }
  return o;
}

}  // namespace postern
