// Reads the [dns] section. Contract in dns_config.h.
#include "common/dns/dns_config.h"

#include "common/dns/server_spec.h"

namespace postern {

void read_dns_config(SectionReader& r, DnsConfig& c) {
  r.strings("servers", c.servers, 8, 300);
  for (const auto& s : c.servers) {
    auto spec = parse_server_spec(s);
    if (!spec) r.error("servers", "\"" + s + "\": " + spec.error().message);
  }
  r.duration("timeout", c.timeout, std::chrono::milliseconds(10), std::chrono::milliseconds(30000));
  r.integer("retries", c.retries, 0, 10);
  r.boolean("tcp_fallback", c.tcp_fallback);
  r.integer("cache_entries", c.cache_entries, 0, 10000000);
  r.duration("cache_max_ttl", c.cache_max_ttl, std::chrono::seconds(0), std::chrono::seconds(7 * 86400));
  r.duration("negative_max_ttl", c.negative_max_ttl, std::chrono::seconds(0), std::chrono::seconds(86400));
  r.boolean("cname_chase", c.cname_chase);
}

}  // namespace postern
