// The sliding window of a send limit, kept as store counters. A window of W seconds is cut into
// buckets of S = max(1, W / kWindowBuckets) seconds; a message counts in the bucket of the second
// it was accepted, and a check at time t sums every bucket that overlaps (t - W, t]. So within any
// W seconds no more than the limit is ever accepted (no burst of twice the limit at a boundary, as
// fixed windows allow), and a message stops counting between W and W + S after it was sent.
// Buckets are plain integer counters (Store::increment), so they are atomic on every backend and
// shared by every process and host on the same store; each expires by itself once out of every
// window (bucket_ttl). Key layout, all under "rl:c:":
//   rl:c:BY:SUBJECT:WINDOW:METRIC:BUCKET   e.g. rl:c:login:alice@example.org:3600:m:490896
// SUBJECT may hold any byte but is at most kMaxKeySubject bytes (longer ones are cut and tagged with
// a hash); the last three fields never hold ':' so a key parses from the right. The key without
// its bucket ("rl:c:BY:SUBJECT:WINDOW:METRIC") names the counter (counter_id). One more key,
// kGenerationKey, counts the resets (RateLimiter::reset), so that processes remembering settled
// buckets (settled_buckets.h) know when to forget them. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/clock.h"
#include "common/ratelimit/limit.h"

namespace postern {

inline constexpr int64_t kWindowBuckets = 10;
inline constexpr size_t kMaxKeySubject = 320;
inline constexpr std::string_view kCounterPrefix = "rl:c:";

inline int64_t bucket_seconds(int64_t window) {
  return window / kWindowBuckets > 0 ? window / kWindowBuckets : 1;
}
// The first bucket that overlaps (now - window, now].
inline int64_t first_bucket(int64_t window, int64_t now) {
  int64_t s = bucket_seconds(window);
  int64_t start = now - window + 1;  // the oldest second still inside the window
  return start >= 0 ? start / s : -((-start + s - 1) / s);
}
inline int64_t current_bucket(int64_t window, int64_t now) { return now / bucket_seconds(window); }

// How long after its end a bucket may still be counted in by a process whose clock is behind
// ours (or by a request that started before it ended): after that it is settled.
inline constexpr int64_t kSettleSeconds = 30;
// The last bucket settled at now: it ended at least kSettleSeconds ago.
inline int64_t last_settled_bucket(int64_t window, int64_t now) {
  int64_t s = bucket_seconds(window);
  int64_t t = now - kSettleSeconds;
  return (t >= 0 ? t / s : -((-t + s - 1) / s)) - 1;
}

inline constexpr std::string_view kGenerationKey = "rl:g";

// How long a bucket's counter lives in the store from its first count: until it has left the
// window, also for a host whose clock is up to kSettleSeconds behind the one that created it.
inline Seconds bucket_ttl(int64_t window) {
  return Seconds(window + bucket_seconds(window) + 1 + kSettleSeconds);
}

// The subject as it goes into keys: as given when short enough, else cut and tagged with a hash.
std::string key_subject(std::string_view subject);
std::string counter_key(LimitBy by, std::string_view subject, int64_t window, LimitMetric metric,
                        int64_t bucket);
// The counter's key without its bucket, and a bucket's key from it.
std::string counter_id(LimitBy by, std::string_view subject, int64_t window, LimitMetric metric);
std::string counter_key(std::string_view id, int64_t bucket);
// The prefix of every counter of one subject under one `by`.
std::string subject_prefix(LimitBy by, std::string_view subject);

struct CounterKey {
  LimitBy by = LimitBy::login;
  std::string subject;
  int64_t window = 0;
  LimitMetric metric = LimitMetric::messages;
  int64_t bucket = 0;
};
// Reads a key written by counter_key; nullopt for anything else (never trusted to be well-formed).
std::optional<CounterKey> parse_counter_key(std::string_view key);

}  // namespace postern
