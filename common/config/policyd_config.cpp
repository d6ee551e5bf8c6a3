// Reads [policyd] and its sub-tables. Contract in policyd_config.h.
#include "common/config/policyd_config.h"

#include "common/net/ip.h"
#include "common/net/socket_spec.h"

namespace postern {
namespace {

void read_greylist(SectionReader& r, GreylistConfig& c) {
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

void read_dnsbl(SectionReader& r, DnsblConfig& c) {
  r.strings("ip_lists", c.ip_lists, 64, 300);
  r.strings("domain_lists", c.domain_lists, 64, 300);
  r.integer("reject_threshold", c.reject_threshold, -1000, 1000);
  r.integer("greylist_threshold", c.greylist_threshold, -1000, 1000);
  r.duration("timeout", c.timeout, std::chrono::milliseconds(50), std::chrono::milliseconds(30000));
  r.boolean("self_test", c.self_test);
  r.choice("on_local_failure", c.on_local_failure, kDnsblLocalFailures);
}

}  // namespace

void read_policyd_config(SectionReader& r, PolicydConfig& c) {
  r.string("socket", c.socket, kMaxSocketSpec);
  // The daemon's own parser: what it would refuse at start is an error here (config check, -t).
  if (auto spec = parse_socket_spec(c.socket); !spec) {
    r.error("socket", "\"" + c.socket + "\": " + spec.error().message);
  }
  r.string("user", c.user);
  r.string("group", c.group);
  r.integer("max_connections", c.max_connections, 1, 100000);
  r.duration("idle_timeout", c.idle_timeout, Seconds(1), Seconds(86400));
  r.duration("request_timeout", c.request_timeout, Seconds(1), Seconds(3600));
  r.integer("workers", c.workers, 0, 1024);
  r.duration("store_write_behind", c.store_write_behind, std::chrono::milliseconds(0),
             std::chrono::milliseconds(60000));
  r.strings("trusted_networks", c.trusted_networks, 10000, 64);
  for (const auto& n : c.trusted_networks) {
    if (!IpNetwork::parse(n)) r.error("trusted_networks", "\"" + n + "\" is not an IP network");
  }
  {
    auto g = r.table("greylist");
    read_greylist(g, c.greylist);
  }
  {
    auto d = r.table("dnsbl");
    read_dnsbl(d, c.dnsbl);
  }
  {
    auto rl = r.table("ratelimit");
    read_ratelimit_config(rl, c.ratelimit);
  }
}

}  // namespace postern
