// Fuzz target: the settled-bucket memory (common/ratelimit/settled_buckets.h) against no memory.
// The input is a script of steps (time forward or back, a message of some login and size, a
// reset); two worlds run it, one whose limiters remember settled buckets and one whose limiters
// do not, each with two hosts on its store (the second with a clock 17 s behind, within
// kSettleSeconds). Every decision must be the same in both worlds. Clock steps back are taken only
// while one host sends (two_hosts off), as documented: hosts sharing a store keep their clocks
// within kSettleSeconds of each other.
#include <cstddef>
#include <cstdint>

#include "common/ratelimit/limiter.h"
#include "common/store/memory_store.h"

namespace {

constexpr size_t kMaxSteps = 2000;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace postern;
  if (size < 1) return 0;
  const bool two_hosts = data[0] & 1;
  FakeClock clock{1767225600}, behind{1767225600 - 17};
  MemoryStore cached_store{clock}, plain_store{clock};
  const std::vector<SendLimit> limits = {SendLimit{LimitBy::login, 60, 3, 6, 0},
                                         SendLimit{LimitBy::login, 3600, 8, 0, 5000},
                                         SendLimit{LimitBy::sender_domain, 600, 12, 0, 0}};
  RateLimiter cached_a(cached_store, clock, limits), cached_b(cached_store, behind, limits);
  RateLimiter plain_a(plain_store, clock, limits, {}, 0), plain_b(plain_store, behind, limits, {}, 0);
  const char* logins[] = {"alice", "bob@example.org", "carol@example.org", "dave"};
  for (size_t i = 1; i + 1 < size && i / 2 < kMaxSteps; i += 2) {
    const uint8_t op = data[i], arg = data[i + 1];
    switch (op % 8) {
      case 0:  // forward: up to about 70 minutes
        clock.advance(Seconds(int64_t{arg} * (op & 8 ? 16 : 1)));
        behind.advance(Seconds(int64_t{arg} * (op & 8 ? 16 : 1)));
        break;
      case 1:  // back, one host only
        if (!two_hosts) {
          clock.advance(Seconds(-int64_t{arg}));
          behind.advance(Seconds(-int64_t{arg}));
        }
        break;
      case 2: {
        const std::string target = arg & 4 ? "@example.org" : logins[arg % 4];
        auto x = RateLimiter::reset(cached_store, target), y = RateLimiter::reset(plain_store, target);
        if (!x || !y || *x != *y) __builtin_trap();
        break;
      }
      default: {
        SendUsage u;
        u.login = logins[arg % 4];
        u.sender_domain = arg & 4 ? "example.org" : "example.net";
        u.recipients = 1 + (arg >> 3) % 4;
        u.bytes = 100 * ((arg >> 5) + 1);
        const bool on_b = two_hosts && (op & 16);
        RateDecision x = (on_b ? cached_b : cached_a).check(u), y = (on_b ? plain_b : plain_a).check(u);
        if (x.verdict != y.verdict || x.count != y.count || x.retry_at != y.retry_at ||
            x.subject != y.subject || x.limit.window != y.limit.window || x.metric != y.metric)
          __builtin_trap();
      }
    }
  }
  return 0;
}
