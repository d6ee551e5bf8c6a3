// [policyd], [policyd.greylist], [policyd.dnsbl] and [policyd.ratelimit] (ratelimit_config.h):
// postern-policyd, the Postfix policy service.
#pragma once
#include <string>
#include <vector>

#include "common/config/ratelimit_config.h"
#include "common/config/reader.h"
#include "common/core/clock.h"

namespace postern {

enum class GreylistStoreFailure { dunno, defer };
inline constexpr Choice<GreylistStoreFailure> kGreylistStoreFailures[] = {
    {"dunno", GreylistStoreFailure::dunno}, {"defer", GreylistStoreFailure::defer}};
enum class DnsblLocalFailure { defer, not_listed };
inline constexpr Choice<DnsblLocalFailure> kDnsblLocalFailures[] = {
    {"defer", DnsblLocalFailure::defer}, {"not_listed", DnsblLocalFailure::not_listed}};
inline std::string_view to_string(GreylistStoreFailure v) { return choice_name(v, kGreylistStoreFailures); }
inline std::string_view to_string(DnsblLocalFailure v) { return choice_name(v, kDnsblLocalFailures); }

struct GreylistConfig {
  bool enabled = true;
  Seconds delay{300};               // a new triplet is deferred this long
  Seconds retry_window{2 * 86400};  // a retry must come within this time after the delay
  Seconds max_age{35 * 86400};      // a passed triplet is remembered this long after its last use
  int ipv4_prefix = 24;             // client network of the key
  int ipv6_prefix = 64;
  int auto_allow_after = 5;  // a network with this many passed deliveries skips greylisting (0 = never)
  bool add_header = true;    // PREPEND X-Greylist: to mail that was delayed
  std::vector<std::string> allow_clients;  // IP addresses, CIDR networks, host names (FCrDNS only), /regex/
  std::vector<std::string> allow_recipients;      // addresses or @domains
  std::vector<std::string> allow_sender_domains;  // sender domains (and their subdomains)
  std::vector<std::string> allowlist_files;       // postgrey whitelist_clients-style files
  GreylistStoreFailure on_store_failure = GreylistStoreFailure::dunno;
  // Big senders retrying from address pools: when the client passes the sender domain's SPF (the
  // HELO name's for the null sender), key the triplet by that domain instead of the network.
  bool spf_domain_key = false;
  std::chrono::milliseconds spf_timeout{2000};  // deadline for one request's SPF evaluation
};

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

struct PolicydConfig {
  std::string socket = "unix:/var/spool/postfix/postern/policy.sock";  // unix:PATH or inet:HOST:PORT
  std::string user = "postern";  // privileges dropped to this user after binding
  std::string group = "postern";
  int max_connections = 1000;  // Postfix opens one per smtpd process
  Seconds idle_timeout{300};   // close a connection idle this long
  // A request must arrive whole within this time of its first byte (a client dribbling bytes is
  // never idle, so idle_timeout alone does not end it); the connection is closed otherwise.
  Seconds request_timeout{10};
  // Threads answering requests (the pool's base size); 0: four per core. The pool grows by
  // itself while requests wait for DNS or the store. Read at start; a change needs a restart.
  int workers = 0;
  std::vector<std::string> trusted_networks;  // never greylisted or scored
  // Greylist updates are answered from memory and written to the store together, at most this
  // much later (one transaction and one sync for all of them); a crash loses at most this much of
  // them, which only greylists those senders once more. 0: every update is written (and, for
  // LMDB, synced) before the answer. LMDB only: with Redis, updates are written at once so that
  // other hosts see them. Read at start; a change needs a restart.
  std::chrono::milliseconds store_write_behind{100};
  GreylistConfig greylist;
  DnsblConfig dnsbl;
  RatelimitConfig ratelimit;
};

void read_policyd_config(SectionReader& r, PolicydConfig& c);

}  // namespace postern
