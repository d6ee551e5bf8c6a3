// Fuzz target: the send-limit overrides parser, and a limiter built from what it accepts
// answering for every subject it names.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ratelimit/limiter.h"
#include "common/ratelimit/overrides.h"
#include "common/store/memory_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = postern::parse_limit_overrides(text);
  postern::FakeClock clock;
  postern::MemoryStore store(clock);
  postern::RateLimiter rl(store, clock, {postern::SendLimit{postern::LimitBy::login, 60, 1, 0, 0}},
                          parsed.entries);
  for (const auto& e : parsed.entries) {
    if (e.limits.size() > postern::kMaxOverrideLimits) __builtin_trap();
    postern::SendUsage u;
    u.login = e.subject[0] == '@' ? "x" + e.subject : e.subject;
    u.recipients = 1;
    (void)rl.check(u);
  }
  return 0;
}
