// Fuzz target: the OpenDKIM SigningTable parser and the pattern matcher (each pattern against
// addresses taken from the input itself).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/dkim/signing_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = postern::parse_signing_table(text);
  for (const auto& e : r.entries) {
    (void)postern::signing_pattern_matches(e.pattern, e.key_name);
    (void)postern::signing_pattern_matches(e.pattern, text.substr(0, 320));
  }
  return 0;
}
