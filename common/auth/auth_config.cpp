// Reads [auth] and [auth.lockout]. Contract in auth_config.h.
#include "common/auth/auth_config.h"

#include "common/auth/password_hash.h"  // kMinCryptRounds, kMaxCryptRounds (constants only)
#include "common/net/ip.h"

namespace postern {
namespace {

void read_lockout(SectionReader& r, LockoutConfig& c) {
  using std::chrono::milliseconds;
  using Seconds = std::chrono::seconds;
  r.boolean("enabled", c.enabled);
  r.integer("network_failures", c.network_failures, 1, 1000000);
  r.integer("user_failures", c.user_failures, 1, 1000000);
  r.integer("distributed_failures", c.distributed_failures, 1, 100000000);
  r.duration("window", c.window, Seconds(10), Seconds(7 * 86400));
  r.duration("backoff", c.backoff, Seconds(1), Seconds(86400));
  r.duration("max_backoff", c.max_backoff, Seconds(1), Seconds(30 * 86400));
  r.duration("known_network_ttl", c.known_network_ttl, Seconds(60), Seconds(365 * 86400));
  r.duration("refusal_delay", c.refusal_delay, milliseconds(0), milliseconds(30000));
  r.integer("ipv4_prefix", c.ipv4_prefix, 8, 32);
  r.integer("ipv6_prefix", c.ipv6_prefix, 16, 128);
  r.strings("allow_networks", c.allow_networks, 10000, 64);
  for (const auto& n : c.allow_networks) {
    if (!IpNetwork::parse(n)) r.error("allow_networks", "\"" + n + "\" is not an IP network");
  }
  r.choice("on_store_failure", c.on_store_failure, kLockoutStoreFailures);
  if (c.max_backoff < c.backoff) r.error("max_backoff", "must not be shorter than backoff");
}

}  // namespace

void read_auth_config(SectionReader& r, AuthConfig& c) {
  r.boolean("enabled", c.enabled);
  r.string("passwd_file", c.passwd_file, 1024);
  r.string("sqlite_users", c.sqlite_users, 1024);
  r.boolean("allow_weak_schemes", c.allow_weak_schemes);
  r.integer("dummy_rounds", c.dummy_rounds, kMinCryptRounds, kMaxCryptRounds);
  r.integer("threads", c.threads, 0, 256);
  auto l = r.table("lockout");
  read_lockout(l, c.lockout);
}

}  // namespace postern
