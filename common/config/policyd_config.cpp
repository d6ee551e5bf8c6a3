// Reads [policyd]; its sub-tables through their areas' readers. Contract in policyd_config.h.
#include "common/config/policyd_config.h"

#include "common/net/ip.h"
#include "common/net/socket_spec.h"

namespace postern {

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
    read_greylist_config(g, c.greylist);
  }
  {
    auto d = r.table("dnsbl");
    read_dnsbl_config(d, c.dnsbl);
  }
  {
    auto rl = r.table("ratelimit");
    read_ratelimit_config(rl, c.ratelimit);
  }
}

}  // namespace postern
