// Brute-force lockout for password logins. Failures are counted in the shared Store per client
// network (IPv4 /ipv4_prefix, IPv6 /ipv6_prefix), per (user, network) and per user over all
// networks. Reaching a threshold locks that scope for a backoff that doubles with each lockout of
// the same scope (backoff, 2x, 4x, ... up to max_backoff, remembered for a day) and ends by itself:
//   network       every login from the network is refused;
//   user_network  logins as that user from that network are refused;
//   distributed   logins as that user are refused from networks that have no successful login as
//                 that user within known_network_ttl, so the owner keeps access from known places.
// Allowlisted networks are never counted or locked. Each lockout and each unlock (by expiry, seen
// by the first check after it, or by an admin) is logged once, even with several processes or
// hosts sharing the store: the process whose remove() succeeds logs. Store errors are returned to
// the caller, which applies [auth.lockout].on_store_failure.
// With an account guard (set_guard), a successful login from a network with no successful login
// of that user within known_network_ttl, while the user's failures over all networks in the
// window number at least [account_guard] new_network_failures, is the guard's new_network sign.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/auth/auth_config.h"
#include "common/core/clock.h"
#include "common/core/result.h"
#include "common/guard/account_guard.h"
#include "common/log/log.h"
#include "common/net/ip.h"
#include "common/store/store.h"

namespace postern {

enum class LockScope { network, user_network, distributed };
const char* lock_scope_name(LockScope s);

struct LockDecision {
  bool refused = false;
  LockScope scope = LockScope::network;
  int64_t until = 0;  // unix seconds
};

struct LockInfo {
  LockScope scope = LockScope::network;
  std::string network;  // empty for distributed
  std::string user;     // empty for network
  int64_t until = 0;
  int64_t level = 0;     // 1 for the first lockout, 2 for the second, ...
  int64_t failures = 0;  // the count that triggered it
};

class Lockout {
 public:
  Lockout(Store& store, const Clock& clock, LockoutConfig config, std::shared_ptr<Logger> log);

  bool allowlisted(const IpAddress& ip) const;
  std::string network_of(const IpAddress& ip) const;

  // Before the password is checked: is this (user, client) refused right now?
  Result<LockDecision> check(std::string_view user, const IpAddress& ip);
  Result<void> record_failure(std::string_view user, const IpAddress& ip);
  Result<void> record_success(std::string_view user, const IpAddress& ip);

  // The account guard that gets the new_network sign (not owned; may be null).
  void set_guard(AccountGuard* guard) { guard_ = guard; }

  // Locks in force (expired ones are not listed), at most limit.
  Result<std::vector<LockInfo>> list(size_t limit = 10000);
  // Unlocks a network ("192.0.2.7", "2001:db8::/64") or a user, with their counters and backoff
  // levels. Returns how many locks were lifted.
  Result<size_t> unlock(std::string_view target);

 private:
  struct Keys;
  Result<void> lock(LockScope scope, const std::string& lock_key, const std::string& level_key,
                    std::string_view user, std::string_view network, int64_t failures);
  Result<bool> live_lock(const std::string& key, LockScope scope, std::string_view user,
                         std::string_view network, int64_t& until);
  Result<bool> known(std::string_view user, std::string_view network);

  Store& store_;
  const Clock& clock_;
  LockoutConfig config_;
  std::vector<IpNetwork> allow_;
  std::shared_ptr<Logger> log_;
  AccountGuard* guard_ = nullptr;
};

}  // namespace postern
