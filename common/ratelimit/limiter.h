// RateLimiter: per-login (and per sender domain, per client address) send limits over sliding
// windows kept in the shared Store (window.h). check() takes one message about to be accepted
// (or one recipient, at RCPT), checks it against every limit that applies and, only when all of
// them allow it, counts it against each; a message refused by one limit counts against none.
// Counting is increment-then-verify: two requests racing for the last slot (other threads,
// processes or hosts on the same Redis) cannot both pass; the loser's increments are taken back.
// Which limits apply: by = "login" when the request has a login (overrides replace them, see
// overrides.h), by = "sender_domain" when the sender has a domain, by = "client_address" when the
// request has no login. Time comes from the injected Clock. Store errors are returned as a
// store_failure verdict with the message; the caller applies its configured outcome.
// Reads: a check reads the current bucket of each counter, the buckets that ended less than
// kSettleSeconds ago and the reset generation from the store in one get_many; the older buckets
// of the window come from the limiter's SettledBuckets cache once read (settled_buckets.h says
// when that is exact, and how resets reach it). Thread-safe (the limits are immutable after
// construction; the cache and the store are thread-safe).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/clock.h"
#include "common/ratelimit/limit.h"
#include "common/ratelimit/overrides.h"
#include "common/ratelimit/settled_buckets.h"
#include "common/store/store.h"

namespace postern {

// What one request would add.
struct SendUsage {
  std::string login;           // SASL login, "" without one
  std::string sender_domain;   // lower-case, "" for the null sender
  std::string client_address;  // as Postfix gives it
  int64_t messages = 1;
  int64_t recipients = 0;
  int64_t bytes = 0;
};

enum class RateVerdict {
  pass,           // counted against every limit that applies
  over,           // a limit is reached; nothing counted
  too_big,        // this message alone exceeds a limit (it can never pass); nothing counted
  store_failure,  // the store failed; nothing decided (error set)
};

struct RateDecision {
  RateVerdict verdict = RateVerdict::pass;
  // For over and too_big: the first limit that refused, whose quantity, the subject, the count
  // the window would hold with this message, and when (unix seconds) it would fit.
  SendLimit limit;
  LimitMetric metric = LimitMetric::messages;
  std::string subject;
  int64_t count = 0;
  int64_t allowed = 0;  // the limit's value for that quantity
  int64_t retry_at = 0;
  std::string error;  // store_failure
  size_t limits_checked = 0;
};

// "100/1h" (messages), "500 recipients/1d", "200M bytes/1h".
std::string describe_limit(const SendLimit& l, LimitMetric m);

// One counter's live total, for `posternctl ratelimit list`.
struct RateCounterRow {
  LimitBy by = LimitBy::login;
  std::string subject;
  int64_t window = 0;
  LimitMetric metric = LimitMetric::messages;
  int64_t count = 0;  // within the window ending now
};

class RateLimiter {
 public:
  // settled_cache: at most how many counters the settled-bucket cache remembers (0: none; every
  // check reads every bucket of its windows).
  RateLimiter(Store& store, const Clock& clock, std::vector<SendLimit> limits,
              const std::vector<LimitOverride>& overrides = {},
              size_t settled_cache = SettledBuckets::kDefaultMaxCounters);

  RateDecision check(const SendUsage& usage);
  // The by = "login" limits in force for a login (the config's, or an override's).
  const std::vector<SendLimit>& login_limits(std::string_view login) const;
  bool empty() const { return limits_.empty() && overrides_.empty(); }

  // Live counters with a non-zero total, largest first, at most limit rows (reads at most
  // max_entries store entries).
  static Result<std::vector<RateCounterRow>> list(Store& store, const Clock& clock, size_t limit,
                                                  size_t max_entries = 1000000);
  // The live counters of one subject (all windows and quantities), for an alert.
  static Result<std::vector<RateCounterRow>> subject_counts(Store& store, const Clock& clock, LimitBy by,
                                                            std::string_view subject);
  // True for the first caller per (by, subject, window) within that window, across every process
  // on the store: who sends the one alert. Key "rl:a:BY:SUBJECT:WINDOW".
  static Result<bool> claim_alert(Store& store, LimitBy by, std::string_view subject, int64_t window);
  // Removes every counter of LOGIN (any `by` whose subject is it), or with "@DOMAIN" of every
  // login in DOMAIN and of the sender domain DOMAIN, then bumps the reset generation
  // (kGenerationKey) so that every limiter on the store forgets the settled buckets it
  // remembers. Returns how many store entries went.
  static Result<size_t> reset(Store& store, std::string_view target);

  struct Counter;  // one quantity of one limit for one subject during one check (limiter.cpp)

 private:
  Result<void> read_buckets(std::vector<Counter>& counters, int64_t now);

  Store& store_;
  const Clock& clock_;
  std::vector<SendLimit> limits_;        // every by
  std::vector<SendLimit> login_limits_;  // by = login, from limits_
  std::map<std::string, std::vector<SendLimit>, std::less<>> overrides_;
  SettledBuckets settled_;
};

}  // namespace postern
