// DmarcReportAggregator: report log entries (common/dmarc/report_line.h) of one reporting period ->
// one aggregate per DMARC Policy Domain (RFC 9990 section 2.1: a separate report per policy domain),
// identical rows counted once with a count, never one record per message. Memory grows with the
// number of distinct rows (each kept once, as its serialized key), not with the number of messages.
// A row is (source IP, disposition, aligned DKIM/SPF results, override reasons, header_from,
// envelope_from, envelope_to, the DKIM results, the SPF result). A message with recipients in
// several domains counts once in the row of each domain (RFC 9990: envelope_to is per record, and
// rows that differ in it are different rows); DmarcAggregate::messages counts it once. The
// published policy reported is
// the last one seen in the period (the "final configuration observed"), and so is the rua list.
// Entries are trusted as parsed (enums checked by the line reader); an entry without a DMARC
// record, a valid policy domain name (it becomes part of a file name) or a client IP address is
// not reportable and only counted.
// Errors for report_metadata's <error>: entries of a policy domain whose DMARC lookup had a DNS
// temperror, and log lines that could not be read but name their policy domain, are counted per
// domain (only reported when the domain has a report).
// Limits: kMaxReportDkimResults DKIM results per row (RFC 9990 2.1.4's order: strictly aligned
// passes, relaxed aligned passes, other passes, the rest).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/dmarc/report_line.h"

namespace postern {

inline constexpr size_t kMaxReportDkimResults = 100;
// Policy domains tracked only for their errors (temperrors, unreadable lines) before any reportable
// message of theirs was seen; beyond it such errors are not noted.
inline constexpr size_t kMaxUnreportedDomains = 100000;

enum class DmarcReportDisposition { none, pass, quarantine, reject };  // RFC 9990 ActionDispositionType
enum class DmarcOverrideType { local_policy, mailing_list, other, policy_test_mode, trusted_forwarder };
const char* to_string(DmarcReportDisposition d);
const char* to_string(DmarcOverrideType t);

struct DmarcReportDkim {
  std::string domain, selector, result;
};

struct DmarcReportRow {
  std::string source_ip;
  uint64_t count = 0;
  DmarcReportDisposition disposition = DmarcReportDisposition::none;
  bool dkim_pass = false;  // an aligned DKIM pass
  bool spf_pass = false;   // an aligned SPF pass
  std::vector<DmarcOverrideType> reasons;
  std::string header_from;
  std::optional<std::string> envelope_from;  // "" for the null sender; nullopt when not logged
  std::string envelope_to;                   // "" when not logged
  std::vector<DmarcReportDkim> dkim;
  std::string spf_domain;  // "" when SPF had no domain to check (no spf element)
  std::optional<DmarcSpfScope> spf_scope;
  std::string spf_result;
};

struct DmarcPublishedPolicy {
  std::string domain;
  DmarcPolicy p = DmarcPolicy::none;
  DmarcPolicy sp = DmarcPolicy::none;  // defaults filled in: sp = p, np = sp
  DmarcPolicy np = DmarcPolicy::none;
  DmarcAlign adkim = DmarcAlign::relaxed;
  DmarcAlign aspf = DmarcAlign::relaxed;
  std::string fo = "0";
  bool testing = false;
};

struct DmarcAggregate {
  DmarcPublishedPolicy policy;
  std::vector<std::string> rua;      // as last seen, with any "!size"
  std::vector<DmarcReportRow> rows;  // by count (largest first), then by content
  uint64_t messages = 0;             // each message once, whatever its recipient domains
  uint64_t temperrors = 0;           // messages not evaluated: DNS temperror looking up the policy
  uint64_t unreadable = 0;           // log lines of this domain that could not be read
};

struct DmarcAggregateStats {
  uint64_t entries = 0;         // handed to add()
  uint64_t not_reportable = 0;  // no record, no policy domain or no client address
};

class DmarcReportAggregator {
 public:
  // False when the entry is not reportable (counted in stats()). An entry of a valid policy domain
  // whose DMARC lookup failed temporarily is counted in that domain's temperrors.
  bool add(const DmarcLogEntry& e);
  // A log line of policy_domain that could not be read (counted in its aggregate's unreadable).
  void add_unreadable(const std::string& policy_domain);
  // The aggregates by policy domain name; the aggregator is empty afterwards.
  std::vector<DmarcAggregate> take();
  const DmarcAggregateStats& stats() const { return stats_; }
  size_t distinct_rows() const { return rows_; }

 private:
  struct Domain {
    DmarcPublishedPolicy policy;
    std::vector<std::string> rua;
    std::unordered_map<std::string, uint64_t> rows;  // serialized row -> count
    uint64_t messages = 0, temperrors = 0, unreadable = 0;
    bool reportable = false;  // a message with a record was seen (the policy above is valid)
  };
  std::map<std::string, Domain> domains_;
  DmarcAggregateStats stats_;
  size_t rows_ = 0;
  std::string key_;  // the row being looked up, reused
};

// The rows an entry counts in (count 1 each): one per envelope_to domain (one with no envelope_to
// when none was logged); exposed for tests.
std::vector<DmarcReportRow> dmarc_report_rows(const DmarcLogEntry& e);

}  // namespace postern
