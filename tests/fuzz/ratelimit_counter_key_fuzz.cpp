// Fuzz target: the send-limit counter key parser (parse_counter_key, common/ratelimit/window.h),
// which reads keys found in the store. Whatever it accepts renders back (counter_key) to a key that
// parses to the same fields; a key it rendered itself is byte for byte the input when the input
// was canonical.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/ratelimit/window.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view key(reinterpret_cast<const char*>(data), size);
  auto k = postern::parse_counter_key(key);
  if (!k) return 0;
  if (k->subject.empty() || k->window < 1 || k->bucket < 0) __builtin_trap();
  if (k->subject.size() > postern::kMaxKeySubject) return 0;  // counter_key would cut it
  const std::string again = postern::counter_key(k->by, k->subject, k->window, k->metric, k->bucket);
  auto k2 = postern::parse_counter_key(again);
  if (!k2 || k2->by != k->by || k2->subject != k->subject || k2->window != k->window ||
      k2->metric != k->metric || k2->bucket != k->bucket)
    __builtin_trap();
  if (postern::counter_key(k2->by, k2->subject, k2->window, k2->metric, k2->bucket) != again)
    __builtin_trap();
  return 0;
}
