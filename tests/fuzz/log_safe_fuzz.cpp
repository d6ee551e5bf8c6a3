// Fuzz target: log_safe must never emit a control byte or a bare newline, whatever it is given.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/log/log.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out = postern::log_safe(in, 128);
  for (unsigned char c : out) {
    if (c < 0x20 || c >= 0x7f) std::abort();
  }
  return 0;
}
