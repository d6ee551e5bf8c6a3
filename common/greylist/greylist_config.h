// [policyd.greylist]: greylisting in postern-policyd (common/greylist/greylist.h). Read by
// read_greylist_config; every key is listed in the commented example config.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "common/config/reader.h"
#include "common/core/clock.h"

namespace postern {

enum class GreylistStoreFailure { dunno, defer };
inline constexpr Choice<GreylistStoreFailure> kGreylistStoreFailures[] = {
    {"dunno", GreylistStoreFailure::dunno}, {"defer", GreylistStoreFailure::defer}};
inline std::string_view to_string(GreylistStoreFailure v) { return choice_name(v, kGreylistStoreFailures); }

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

void read_greylist_config(SectionReader& r, GreylistConfig& c);

}  // namespace postern
