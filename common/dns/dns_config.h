// [dns] section. Owned by common/dns.
#pragma once
#include <chrono>
#include <string>
#include <vector>

#include "common/config/reader.h"
#include "common/core/clock.h"

namespace postern {

struct DnsConfig {
  // "HOST" or "HOST:PORT" / "[V6]:PORT"; empty means the nameservers of /etc/resolv.conf.
  std::vector<std::string> servers;
  std::chrono::milliseconds timeout{2000};  // per attempt
  int retries = 2;                          // further attempts after the first
  bool tcp_fallback = true;                 // retry over TCP when the answer is truncated
  int cache_entries = 100000;               // 0 disables the cache
  std::chrono::seconds cache_max_ttl{86400};
  std::chrono::seconds negative_max_ttl{3600};  // RFC 2308 negative caching cap
  bool cname_chase = true;

  bool operator==(const DnsConfig&) const = default;
};

void read_dns_config(SectionReader& r, DnsConfig& c);

}  // namespace postern
