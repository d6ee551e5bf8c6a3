// Reads [policyd.greylist]. Contract in greylist_config.h.
#include "common/greylist/greylist_config.h"

namespace postern {

void read_greylist_config(SectionReader& r, GreylistConfig& c) {
  r.boolean("enabled", c.enabled);
  r.duration("delay", c.delay, Seconds(0), Seconds(86400));
  r.duration("retry_window", c.retry_window, Seconds(60), Seconds(30 * 86400));
  r.duration("max_age", c.max_age, Seconds(3600), Seconds(365 * 86400));
  r.integer("ipv4_prefix", c.ipv4_prefix, 8, 32);
  r.integer("ipv6_prefix", c.ipv6_prefix, 16, 128);
  r.integer("auto_allow_after", c.auto_allow_after, 0, 1000000);
  r.boolean("add_header", c.add_header);
  r.strings("allow_clients", c.allow_clients, 100000, 300);
  r.strings("allow_recipients", c.allow_recipients, 100000, 320);
  r.strings("allow_sender_domains", c.allow_sender_domains, 100000, 253);
  r.strings("allowlist_files", c.allowlist_files, 64, 1024);
  r.choice("on_store_failure", c.on_store_failure, kGreylistStoreFailures);
  r.boolean("spf_domain_key", c.spf_domain_key);
  r.duration("spf_timeout", c.spf_timeout, std::chrono::milliseconds(50), std::chrono::milliseconds(30000));
}

}  // namespace postern
