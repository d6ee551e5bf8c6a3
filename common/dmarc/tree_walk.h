// DMARC policy discovery and Organizational Domain by the RFC 9989 DNS Tree Walk (no public suffix
// list). DmarcTreeWalk queries TXT records at _dmarc.<name> through the injected Resolver, one
// deadline for the whole evaluation, and remembers each name's outcome so one evaluation never
// asks the same name twice. DNS answers are untrusted and parsed with parse_dmarc_record.
//
// Per name: records that do not start with v=DMARC1 are discarded; several DMARC records, or one
// that does not parse, count as no record at that name. NXDOMAIN / NODATA are "no record";
// SERVFAIL, timeout and unusable answers are temperror (never read as "no record").
// The walk: the domain itself, then (while it has more than one label) the domain trimmed to
// min(labels - 1, kMaxWalkLabels) labels, one label less each step: at most kMaxTreeWalkQueries
// (8) names, however long the domain. It stops at a record with psd=n, or with psd=y at any name
// but the first.
// - Organizational Domain (RFC 9989 "Identifier Alignment Evaluation"): of the records found, from
//   the longest name to the shortest: psd=n -> that name; psd=y (not at the starting name) -> the
//   name one label below it towards the domain; otherwise the name with the fewest labels that
//   had a record; with no record at all, the domain itself.
// - Policy discovery (RFC 9989 "DMARC Policy Discovery"): the record at the domain itself; else
//   the record at its Organizational Domain; else the record of its Public Suffix Domain (the
//   psd=y record of the walk). Records at names between them are not used for policy.
// Not thread-safe: one instance per evaluation.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/deadline.h"
#include "common/dmarc/record.h"
#include "common/dns/resolver.h"

namespace postern {

inline constexpr size_t kMaxTreeWalkQueries = 8;
inline constexpr size_t kMaxWalkLabels = 7;         // after the first query the name is cut to this
inline constexpr size_t kMaxDmarcDomain = 253 - 7;  // room for "_dmarc."

enum class DmarcLookupStatus { found, none, temperror };

struct DmarcLookup {
  DmarcLookupStatus status = DmarcLookupStatus::none;
  std::string domain;  // the name below _dmarc.
  std::string text;    // the record as found (when found)
  DmarcRecord record;  // parsed (when found)
  std::string note;    // why none / temperror: "no record", "2 DMARC records", "invalid record: ..."
};

struct OrgDomain {
  bool temperror = false;
  std::string domain;      // the Organizational Domain (when !temperror)
  std::string psd_domain;  // where the walk found a psd=y record ("" when none)
  std::string how;  // "psd=n record at X", "below the PSD X", "record at X", "no records", or the failure
};

enum class DmarcPolicySource { author_domain, organizational_domain, public_suffix_domain };
// "author domain", "organizational domain", "public suffix domain" (logs and posternctl).
const char* to_string(DmarcPolicySource s);

struct PolicyDiscovery {
  DmarcLookupStatus status = DmarcLookupStatus::none;
  DmarcLookup at;  // the policy record (found) or the failing name and why (temperror)
  // How the record was chosen.
  DmarcPolicySource source = DmarcPolicySource::author_domain;
};

// A domain the walk can use: ASCII letters, digits, '-', '_', labels of 1..63 bytes, at most
// kMaxDmarcDomain bytes, no empty label. Expects lower case, no trailing dot.
bool valid_dmarc_domain(std::string_view domain);
// The names the walk queries for domain, in order (pure; domain must be valid).
std::vector<std::string> dmarc_walk_targets(std::string_view domain);

class DmarcTreeWalk {
 public:
  DmarcTreeWalk(Resolver& resolver, Deadline deadline) : resolver_(resolver), deadline_(deadline) {}

  // The outcome at one name (memoised).
  const DmarcLookup& lookup(const std::string& domain);
  PolicyDiscovery find_policy(const std::string& domain);
  OrgDomain org_domain(const std::string& domain);
  // Names actually sent to DNS by this instance.
  size_t queries() const { return queries_; }

 private:
  Resolver& resolver_;
  Deadline deadline_;
  std::map<std::string, DmarcLookup> cache_;
  size_t queries_ = 0;
};

}  // namespace postern
