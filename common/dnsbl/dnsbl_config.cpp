// Reads [policyd.dnsbl]. Contract in dnsbl_config.h.
#include "common/dnsbl/dnsbl_config.h"

namespace postern {

void read_dnsbl_config(SectionReader& r, DnsblConfig& c) {
  r.strings("ip_lists", c.ip_lists, 64, 300);
  r.strings("domain_lists", c.domain_lists, 64, 300);
  r.integer("reject_threshold", c.reject_threshold, -1000, 1000);
  r.integer("greylist_threshold", c.greylist_threshold, -1000, 1000);
  r.duration("timeout", c.timeout, std::chrono::milliseconds(50), std::chrono::milliseconds(30000));
  r.boolean("self_test", c.self_test);
  r.choice("on_local_failure", c.on_local_failure, kDnsblLocalFailures);
}

}  // namespace postern
