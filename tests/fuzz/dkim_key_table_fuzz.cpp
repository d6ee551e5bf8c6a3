// Fuzz target: the OpenDKIM KeyTable parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/dkim/key_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = postern::parse_key_table(std::string_view(reinterpret_cast<const char*>(data), size));
  for (const auto& e : r.entries) {
    if (e.key_file.empty() || e.key_file[0] != '/') __builtin_trap();
  }
  return 0;
}
