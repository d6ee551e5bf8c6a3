// Implements Lockout. Contract in lockout.h. Store keys (all under "auth:"):
//   fail:n:NET  fail:u:NET USER  fail:d:USER     failure counters over the window
//   lock:n:NET  lock:u:NET USER  lock:d:USER     "UNTIL LEVEL FAILURES", kept a day past UNTIL
//   level:n:NET level:u:NET USER level:d:USER    lockouts of that scope in the last day
//   ok:NET USER                                  a successful login, kept known_network_ttl
// NET never contains a space, so "NET USER" splits at the first space whatever the user name is.
#include "common/auth/lockout.h"

#include <algorithm>
#include <cstdio>

#include "common/store/record.h"

namespace postern {
namespace {

constexpr Seconds kLevelMemory{86400};
constexpr Seconds kLockRecordGrace{86400};

std::string k(std::string_view a, std::string_view b) { return "auth:" + std::string(a) + std::string(b); }
std::string pair(std::string_view net, std::string_view user) {
  return std::string(net) + " " + std::string(user);
}

bool parse_lock(std::string_view v, int64_t& until, int64_t& level, int64_t& failures) {
  long long u = 0, l = 0, f = 0;
  std::string s(v);
  if (std::sscanf(s.c_str(), "%lld %lld %lld", &u, &l, &f) != 3) return false;
  until = u;
  level = l;
  failures = f;
  return true;
}

}  // namespace

const char* lock_scope_name(LockScope s) {
  switch (s) {
    case LockScope::network:
      return "network";
    case LockScope::user_network:
      return "user_network";
    case LockScope::distributed:
      return "distributed";
  }
  return "?";
}

Lockout::Lockout(Store& store, const Clock& clock, LockoutConfig config, std::shared_ptr<Logger> log)
    : store_(store), clock_(clock), config_(std::move(config)), log_(std::move(log)) {
  for (const auto& n : config_.allow_networks) {
    if (auto net = IpNetwork::parse(n)) allow_.push_back(*net);
  }
}

bool Lockout::allowlisted(const IpAddress& ip) const {
  IpAddress a = ip.unmapped();
  return std::any_of(allow_.begin(), allow_.end(), [&](const IpNetwork& n) { return n.contains(a); });
}

std::string Lockout::network_of(const IpAddress& ip) const {
  return network_key(ip.unmapped(), config_.ipv4_prefix, config_.ipv6_prefix);
}

Result<bool> Lockout::live_lock(const std::string& key, LockScope scope, std::string_view user,
                                std::string_view network, int64_t& until) {
  auto e = store_.get(key);
  if (!e) return e.error();
  if (!*e) return false;
  int64_t level = 0, failures = 0;
  if (!parse_lock((*e)->value, until, level, failures)) {
    (void)store_.remove(key);  // damaged record: treat as absent
    return false;
  }
  if (clock_.unix_seconds() < until) return true;
  auto removed = store_.remove(key);
  if (!removed) return removed.error();
  if (*removed && log_) {
    LogLine(*log_, LogLevel::notice, "unlock")
        .kv("scope", lock_scope_name(scope))
        .kv("user", user)
        .kv("network", network)
        .kv("reason", "expired");
  }
  return false;
}

Result<bool> Lockout::known(std::string_view user, std::string_view network) {
  auto e = store_.get(k("ok:", pair(network, user)));
  if (!e) return e.error();
  return e->has_value();
}

Result<LockDecision> Lockout::check(std::string_view user, const IpAddress& ip) {
  LockDecision d;
  if (!config_.enabled || allowlisted(ip)) return d;
  std::string net = network_of(ip);
  int64_t until = 0;
  auto n = live_lock(k("lock:n:", net), LockScope::network, "", net, until);
  if (!n) return n.error();
  if (*n) return LockDecision{true, LockScope::network, until};
  auto u = live_lock(k("lock:u:", pair(net, user)), LockScope::user_network, user, net, until);
  if (!u) return u.error();
  if (*u) return LockDecision{true, LockScope::user_network, until};
  auto dist = live_lock(k("lock:d:", user), LockScope::distributed, user, "", until);
  if (!dist) return dist.error();
  if (*dist) {
    auto kn = known(user, net);
    if (!kn) return kn.error();
    if (!*kn) return LockDecision{true, LockScope::distributed, until};
  }
  return d;
}

Result<void> Lockout::lock(LockScope scope, const std::string& lock_key, const std::string& level_key,
                           std::string_view user, std::string_view network, int64_t failures) {
  auto level = store_.increment(level_key, 1, kLevelMemory);
  if (!level) return level.error();
  int64_t secs = config_.backoff.count();
  for (int64_t i = 1; i < *level && secs < config_.max_backoff.count(); ++i) secs *= 2;
  secs = std::min<int64_t>(secs, config_.max_backoff.count());
  int64_t until = clock_.unix_seconds() + secs;
  std::string value = std::to_string(until) + " " + std::to_string(*level) + " " + std::to_string(failures);
  auto put = store_.put(lock_key, value, Seconds(secs) + kLockRecordGrace);
  if (!put) return put.error();
  if (log_) {
    LogLine(*log_, LogLevel::warning, "lockout")
        .kv("scope", lock_scope_name(scope))
        .kv("user", user)
        .kv("network", network)
        .kv("failures", failures)
        .kv("level", *level)
        .kv("seconds", secs);
  }
  return {};
}

Result<void> Lockout::record_failure(std::string_view user, const IpAddress& ip) {
  if (!config_.enabled || allowlisted(ip)) return {};
  std::string net = network_of(ip);
  std::string up = pair(net, user);
  struct Counter {
    LockScope scope;
    std::string fail, lock, level;
    int64_t threshold;
    std::string_view user, net;
  };
  Counter counters[] = {
      {LockScope::network, k("fail:n:", net), k("lock:n:", net), k("level:n:", net), config_.network_failures,
       "", net},
      {LockScope::user_network, k("fail:u:", up), k("lock:u:", up), k("level:u:", up), config_.user_failures,
       user, net},
      {LockScope::distributed, k("fail:d:", user), k("lock:d:", user), k("level:d:", user),
       config_.distributed_failures, user, ""},
  };
  for (auto& c : counters) {
    auto count = store_.increment(c.fail, 1, config_.window);
    if (!count) return count.error();
    if (*count < c.threshold) continue;
    // Whoever removes the counter locks and logs; concurrent failures past the threshold don't.
    auto removed = store_.remove(c.fail);
    if (!removed) return removed.error();
    if (!*removed) continue;
    auto r = lock(c.scope, c.lock, c.level, c.user, c.net, *count);
    if (!r) return r;
  }
  return {};
}

Result<void> Lockout::record_success(std::string_view user, const IpAddress& ip) {
  if (!config_.enabled || allowlisted(ip)) return {};
  std::string net = network_of(ip);
  std::string ok_key = k("ok:", pair(net, user));
  // A good login usually comes from a network already known for the user: refresh the entry only
  // when half its lifetime has passed, so steady logins cost reads, not writes.
  auto known_entry = store_.get(ok_key);
  if (!known_entry) return known_entry.error();
  int64_t now = clock_.unix_seconds();
  if (guard_ && !*known_entry) {
    // A network new for the user, right after guesses at the user's password: a sign.
    auto guesses = store_.get(k("fail:d:", user));
    int64_t n = 0;
    if (guesses && *guesses && parse_counter((**guesses).value, n) &&
        n >= guard_->config().new_network_failures) {
      (void)guard_->record(GuardSignal::new_network, user,
                           "login from " + net + " after " + std::to_string(n) + " failed guesses");
    }
  }
  bool fresh = *known_entry && (*known_entry)->expires_at - now > config_.known_network_ttl.count() / 2;
  if (!fresh) {
    auto put = store_.put(ok_key, "1", config_.known_network_ttl);
    if (!put) return put;
  }
  std::string fail_key = k("fail:u:", pair(net, user));
  auto failures = store_.get(fail_key);
  if (!failures) return failures.error();
  if (*failures) {
    auto removed = store_.remove(fail_key);
    if (!removed) return removed.error();
  }
  return {};
}

Result<std::vector<LockInfo>> Lockout::list(size_t limit) {
  std::vector<LockInfo> out;
  int64_t now = clock_.unix_seconds();
  for (auto [prefix, scope] :
       {std::pair{"lock:n:", LockScope::network}, std::pair{"lock:u:", LockScope::user_network},
        std::pair{"lock:d:", LockScope::distributed}}) {
    std::string p = k(prefix, "");
    auto entries = store_.scan(p, limit);
    if (!entries) return entries.error();
    for (const auto& e : *entries) {
      LockInfo li;
      li.scope = scope;
      if (!parse_lock(e.value, li.until, li.level, li.failures) || li.until <= now) continue;
      std::string rest = e.key.substr(p.size());
      if (scope == LockScope::network) {
        li.network = rest;
      } else if (scope == LockScope::distributed) {
        li.user = rest;
      } else {
        size_t sp = rest.find(' ');
        li.network = rest.substr(0, sp);
        li.user = sp == std::string::npos ? "" : rest.substr(sp + 1);
      }
      if (out.size() < limit) out.push_back(std::move(li));
    }
  }
  return out;
}

Result<size_t> Lockout::unlock(std::string_view target) {
  size_t lifted = 0;
  auto drop = [&](const std::string& key, bool counts) -> Result<void> {
    auto r = store_.remove(key);
    if (!r) return r.error();
    if (*r && counts) ++lifted;
    return {};
  };
  std::vector<std::pair<std::string, bool>> keys;
  std::string what;
  if (auto net = IpNetwork::parse(target)) {
    std::string n = network_of(net->base);
    if (net->prefix_len < net->base.bits()) n = net->str();
    what = n;
    for (const char* p : {"lock:n:", "fail:n:", "level:n:"}) keys.emplace_back(k(p, n), p[1] == 'o');
    for (const char* p : {"lock:u:", "fail:u:", "level:u:"}) {
      auto entries = store_.scan(k(p, n + " "), 100000);
      if (!entries) return entries.error();
      for (const auto& e : *entries) keys.emplace_back(e.key, p[1] == 'o');
    }
  } else {
    std::string user(target);
    what = user;
    for (const char* p : {"lock:d:", "fail:d:", "level:d:"}) keys.emplace_back(k(p, user), p[1] == 'o');
    for (const char* p : {"lock:u:", "fail:u:", "level:u:"}) {
      auto entries = store_.scan(k(p, ""), 100000);
      if (!entries) return entries.error();
      for (const auto& e : *entries) {
        std::string_view key = e.key;
        std::string_view rest = key.substr(k(p, "").size());
        size_t sp = rest.find(' ');
        if (sp != std::string_view::npos && rest.substr(sp + 1) == user)
          keys.emplace_back(e.key, p[1] == 'o');
      }
    }
  }
  for (const auto& [key, counts] : keys) {
    auto r = drop(key, counts);
    if (!r) return r.error();
  }
  if (log_)
    LogLine(*log_, LogLevel::notice, "unlock").kv("target", what).kv("locks", lifted).kv("reason", "admin");
  return lifted;
}

}  // namespace postern
