// Fuzz target: parse_config on arbitrary bytes (TOML syntax, types, limits, every section reader),
// and the effective config of a valid input must parse again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = postern::parse_config(text, "fuzz.conf");
  if (r.ok()) {
    auto again = postern::parse_config(r.effective, "effective.conf");
    if (!again.ok()) std::abort();
  }
  return 0;
}
