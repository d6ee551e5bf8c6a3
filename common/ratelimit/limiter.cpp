// Implements RateLimiter. Contract in limiter.h.
#include "common/ratelimit/limiter.h"

#include <algorithm>
#include <tuple>

#include "common/core/ascii.h"
#include "common/core/quantity.h"
#include "common/ratelimit/window.h"
#include "common/store/record.h"

namespace postern {
namespace {

constexpr LimitMetric kMetrics[] = {LimitMetric::messages, LimitMetric::recipients, LimitMetric::bytes};

int64_t delta_of(const SendUsage& u, LimitMetric m) {
  return m == LimitMetric::messages ? u.messages : m == LimitMetric::recipients ? u.recipients : u.bytes;
}

}  // namespace

struct RateLimiter::Counter {
  const SendLimit* limit;
  LimitMetric metric;
  std::string subject;
  std::string id;  // counter_id()
  int64_t delta;
  int64_t first;               // first bucket in the window
  int64_t current;             // the bucket now
  int64_t settled_to;          // the last settled bucket before current (may be before first)
  std::vector<int64_t> old{};  // counts of first..current-1
  size_t cached = 0;           // how many of them came from the settled-bucket cache
  int64_t cached_generation = SettledBuckets::kNoGeneration;
  int64_t old_sum = 0;
  int64_t now_count = 0;  // the current bucket
  bool added = false;
};

namespace {

using Counter = RateLimiter::Counter;

// A counter's value as read (a bucket, the reset generation); absent, or not ours, counts as 0:
// ignored, never fatal.
int64_t counter_value(const std::optional<StoreEntry>& e) {
  int64_t n = 0;
  if (e && !parse_counter(e->value, n)) n = 0;
  return n;
}

// When the window has room for the counter's delta again: a bucket leaves the window at the
// first second t with t - window >= its last second.
int64_t retry_at(const Counter& c, int64_t allowed) {
  const int64_t s = bucket_seconds(c.limit->window);
  int64_t need = c.old_sum + c.now_count + c.delta - allowed;
  int64_t freed = 0;
  for (size_t i = 0; i < c.old.size(); ++i) {
    freed += c.old[i];
    if (freed >= need) return (c.first + static_cast<int64_t>(i) + 1) * s - 1 + c.limit->window;
  }
  return (c.current + 1) * s - 1 + c.limit->window;
}

}  // namespace

std::string describe_limit(const SendLimit& l, LimitMetric m) {
  std::string w = render_duration_seconds(l.window);
  switch (m) {
    case LimitMetric::messages:
      return std::to_string(l.messages) + "/" + w;
    case LimitMetric::recipients:
      return std::to_string(l.recipients) + " recipients/" + w;
    case LimitMetric::bytes:
      return render_byte_size(l.bytes) + " bytes/" + w;
  }
  return "";
}

RateLimiter::RateLimiter(Store& store, const Clock& clock, std::vector<SendLimit> limits,
                         const std::vector<LimitOverride>& overrides, size_t settled_cache)
    : store_(store), clock_(clock), limits_(std::move(limits)), settled_(settled_cache) {
  for (const auto& l : limits_) {
    if (l.by == LimitBy::login) login_limits_.push_back(l);
  }
  for (const auto& o : overrides) overrides_.emplace(o.subject, o.limits);
}

const std::vector<SendLimit>& RateLimiter::login_limits(std::string_view login) const {
  if (overrides_.empty()) return login_limits_;
  std::string l = ascii_lower(login);
  if (auto it = overrides_.find(l); it != overrides_.end()) return it->second;
  size_t at = l.rfind('@');
  if (at != std::string::npos) {
    if (auto it = overrides_.find(std::string_view(l).substr(at)); it != overrides_.end()) return it->second;
  }
  return login_limits_;
}

RateDecision RateLimiter::check(const SendUsage& u) {
  RateDecision d;
  const int64_t now = clock_.unix_seconds();
  std::vector<Counter> counters;
  auto add = [&](const SendLimit& l, const std::string& subject) {
    for (LimitMetric m : kMetrics) {
      int64_t delta = delta_of(u, m);
      if (l.of(m) <= 0 || delta <= 0) continue;
      const int64_t current = current_bucket(l.window, now);
      counters.push_back(Counter{&l, m, subject, counter_id(l.by, subject, l.window, m), delta,
                                 first_bucket(l.window, now), current,
                                 std::min(current - 1, last_settled_bucket(l.window, now))});
    }
  };
  const std::string login = ascii_lower(u.login);
  if (!login.empty()) {
    for (const auto& l : login_limits(login)) add(l, login);
  }
  for (const auto& l : limits_) {
    if (l.by == LimitBy::sender_domain && !u.sender_domain.empty()) add(l, u.sender_domain);
    if (l.by == LimitBy::client_address && login.empty() && !u.client_address.empty())
      add(l, u.client_address);
  }
  d.limits_checked = counters.size();
  auto refuse = [&](Counter& c, RateVerdict v, int64_t count) {
    d.verdict = v;
    d.limit = *c.limit;
    d.metric = c.metric;
    d.subject = c.subject;
    d.count = count;
    d.allowed = c.limit->of(c.metric);
    d.retry_at = v == RateVerdict::over ? retry_at(c, d.allowed) : 0;
    return d;
  };
  auto failed = [&](const Error& e) {
    d.verdict = RateVerdict::store_failure;
    d.error = e.message;
    return d;
  };
  for (auto& c : counters) {
    if (c.delta > c.limit->of(c.metric)) return refuse(c, RateVerdict::too_big, c.delta);
  }
  // 1. Read the buckets of every counter at once: a message that a limit refuses as things stand
  // writes nothing.
  if (auto r = read_buckets(counters, now); !r) return failed(r.error());
  for (auto& c : counters) {
    if (c.old_sum + c.now_count + c.delta > c.limit->of(c.metric))
      return refuse(c, RateVerdict::over, c.old_sum + c.now_count + c.delta);
  }
  // 2. Count, then verify with the counts the increments return: a request that raced this one
  // to the last slot shows up here, and whoever went over takes its increments back.
  auto take_back = [&] {
    for (auto& c : counters) {
      if (c.added)
        (void)store_.increment(counter_key(c.id, c.current), -c.delta, bucket_ttl(c.limit->window));
    }
  };
  for (auto& c : counters) {
    auto n = store_.increment(counter_key(c.id, c.current), c.delta, bucket_ttl(c.limit->window));
    if (!n) {
      take_back();
      return failed(n.error());
    }
    c.added = true;
    c.now_count = *n - c.delta;
    if (c.old_sum + *n > c.limit->of(c.metric)) {
      take_back();
      return refuse(c, RateVerdict::over, c.old_sum + *n);
    }
  }
  return d;
}

// Fills each counter's old buckets, old_sum and now_count: settled buckets from the cache when it
// holds them under the generation read now, the rest with the generation in one get_many. When a
// cached value turns out to belong to another generation (a reset since), it reads again without
// the cache.
Result<void> RateLimiter::read_buckets(std::vector<Counter>& counters, int64_t now) {
  for (bool use_cache : {true, false}) {
    std::vector<std::string> keys{std::string(kGenerationKey)};
    for (auto& c : counters) {
      c.old.assign(static_cast<size_t>(c.current - c.first), 0);
      c.cached = use_cache
                     ? settled_.lookup(c.id, c.first, c.settled_to, now, c.old.data(), c.cached_generation)
                     : 0;
      for (int64_t b = c.first + static_cast<int64_t>(c.cached); b <= c.current; ++b)
        keys.push_back(counter_key(c.id, b));
    }
    auto read = store_.get_many(keys);
    if (!read) return read.error();
    const int64_t generation = counter_value((*read)[0]);
    const bool stale = std::any_of(counters.begin(), counters.end(), [&](const Counter& c) {
      return c.cached > 0 && c.cached_generation != generation;
    });
    if (stale) continue;
    size_t at = 1;
    for (auto& c : counters) {
      for (int64_t b = c.first + static_cast<int64_t>(c.cached); b <= c.current; ++b) {
        const int64_t n = counter_value((*read)[at++]);
        if (b == c.current)
          c.now_count = n;
        else
          c.old[static_cast<size_t>(b - c.first)] = n;
      }
      c.old_sum = 0;
      for (int64_t n : c.old) c.old_sum += n;
      const int64_t settled = c.settled_to - c.first + 1;
      if (settled > static_cast<int64_t>(c.cached))
        settled_.remember(c.id, c.first, c.old.data(), static_cast<size_t>(settled), now, generation);
    }
    return {};
  }
  return {};  // not reached: the second pass never uses the cache
}

Result<std::vector<RateCounterRow>> RateLimiter::list(Store& store, const Clock& clock, size_t limit,
                                                      size_t max_entries) {
  auto entries = store.scan(kCounterPrefix, max_entries);
  if (!entries) return entries.error();
  const int64_t now = clock.unix_seconds();
  std::map<std::tuple<LimitBy, std::string, int64_t, LimitMetric>, int64_t> totals;
  for (const auto& e : *entries) {
    auto k = parse_counter_key(e.key);
    int64_t v = 0;
    if (!k || !parse_counter(e.value, v)) continue;
    if (k->bucket < first_bucket(k->window, now) || k->bucket > current_bucket(k->window, now)) continue;
    totals[{k->by, k->subject, k->window, k->metric}] += v;
  }
  std::vector<RateCounterRow> rows;
  for (const auto& [k, v] : totals) {
    if (v <= 0) continue;
    rows.push_back(RateCounterRow{std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), v});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const RateCounterRow& a, const RateCounterRow& b) { return a.count > b.count; });
  if (rows.size() > limit) rows.resize(limit);
  return rows;
}

Result<std::vector<RateCounterRow>> RateLimiter::subject_counts(Store& store, const Clock& clock, LimitBy by,
                                                                std::string_view subject) {
  const std::string wanted = key_subject(ascii_lower(subject));
  auto entries = store.scan(subject_prefix(by, wanted), 100000);
  if (!entries) return entries.error();
  const int64_t now = clock.unix_seconds();
  std::map<std::pair<int64_t, LimitMetric>, int64_t> totals;
  for (const auto& e : *entries) {
    auto k = parse_counter_key(e.key);
    int64_t v = 0;
    if (!k || k->subject != wanted || !parse_counter(e.value, v)) continue;
    if (k->bucket < first_bucket(k->window, now) || k->bucket > current_bucket(k->window, now)) continue;
    totals[{k->window, k->metric}] += v;
  }
  std::vector<RateCounterRow> rows;
  for (const auto& [k, v] : totals) rows.push_back(RateCounterRow{by, wanted, k.first, k.second, v});
  return rows;
}

Result<bool> RateLimiter::claim_alert(Store& store, LimitBy by, std::string_view subject, int64_t window) {
  std::string key = std::string("rl:a:") + limit_by_name(by) + ":" + key_subject(ascii_lower(subject)) + ":" +
                    std::to_string(window);
  auto n = store.increment(key, 1, Seconds(window));
  if (!n) return n.error();
  return *n == 1;
}

Result<size_t> RateLimiter::reset(Store& store, std::string_view target) {
  std::string t = ascii_lower(target);
  std::vector<std::string> keys;
  auto collect = [&](const std::string& prefix, auto&& keep) -> Result<void> {
    auto entries = store.scan(prefix, 10000000);
    if (!entries) return entries.error();
    for (const auto& e : *entries) {
      auto k = parse_counter_key(e.key);
      if (k && keep(*k)) keys.push_back(e.key);
    }
    return {};
  };
  Result<void> r;
  if (!t.empty() && t[0] == '@') {
    const std::string domain = t.substr(1);
    r = collect(std::string(kCounterPrefix) + "login:", [&](const CounterKey& k) {
      return k.subject.size() > t.size() && k.subject.compare(k.subject.size() - t.size(), t.size(), t) == 0;
    });
    if (r) {
      r = collect(subject_prefix(LimitBy::sender_domain, domain),
                  [&](const CounterKey& k) { return k.subject == key_subject(domain); });
    }
  } else {
    for (LimitBy by : {LimitBy::login, LimitBy::client_address}) {
      if (!r) break;
      r = collect(subject_prefix(by, t), [&](const CounterKey& k) { return k.subject == key_subject(t); });
    }
  }
  if (!r) return r.error();
  size_t removed = 0;
  Result<void> removal;  // the first removal that failed, if one did
  for (const auto& k : keys) {
    auto gone = store.remove(k);
    if (!gone) {
      removal = gone.error();
      break;
    }
    if (*gone) ++removed;
  }
  // After the removals, even partial ones: every process that remembers settled buckets forgets
  // them at its next check (settled_buckets.h).
  auto generation = store.increment(kGenerationKey, 1, Seconds(0));
  if (!removal) return removal.error();
  if (!generation) return generation.error();
  return removed;
}

}  // namespace postern
