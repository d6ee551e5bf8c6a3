// [policyd.dnsbl]: DNSBL / DNSWL / domain-list scoring in postern-policyd (common/dnsbl/dnsbl.h).
// Read by read_dnsbl_config; the list specs themselves are parsed by common/dnsbl/list_spec.h.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "common/config/reader.h"

namespace postern {

enum class DnsblLocalFailure { defer, not_listed };
inline constexpr Choice<DnsblLocalFailure> kDnsblLocalFailures[] = {
    {"defer", DnsblLocalFailure::defer}, {"not_listed", DnsblLocalFailure::not_listed}};
inline std::string_view to_string(DnsblLocalFailure v) { return choice_name(v, kDnsblLocalFailures); }

struct DnsblConfig {
  // "zone[=filter][*weight]" as postscreen_dnsbl_sites, e.g. "zen.spamhaus.org=127.0.0.[2..11]*3";
  // negative weights make allowlists (DNSWL), e.g. "list.dnswl.org=127.0.[0..255].[1..3]*-5".
  std::vector<std::string> ip_lists;
  // The same syntax for domain lists (RHSBL), queried for the sender domain, the HELO name and the
  // verified client name.
  std::vector<std::string> domain_lists;
  int reject_threshold = 10;                // score at or above: REJECT 554 5.7.1
  int greylist_threshold = 3;               // score at or above: greylist even if allowlisted
  std::chrono::milliseconds timeout{2000};  // for all lists of one request together
  // At start and reload, check each list per RFC 5782 (127.0.0.2 / TEST listed, 127.0.0.1 /
  // INVALID not); a list that fails is disabled with one log line.
  bool self_test = false;
  // A list that could not be asked because the daemon itself could make no socket (out of file
  // descriptors): defer (DEFER_IF_PERMIT 4.3.0, Postfix retries later) | not_listed (scored as if
  // not listed, as a list's timeout is). A timeout or SERVFAIL of the list is always not listed.
  DnsblLocalFailure on_local_failure = DnsblLocalFailure::defer;
};

void read_dnsbl_config(SectionReader& r, DnsblConfig& c);

}  // namespace postern
