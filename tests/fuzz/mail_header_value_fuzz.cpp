// libFuzzer target for header_value_lf() (common/mail/header_value.h), which every header value the
// milter adds passes through: for any bytes, the result holds no CR, never more than twice the
// input, and each line break is followed by white space and then something else on that line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/mail/header_value.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string out = postern::header_value_lf(std::string_view(reinterpret_cast<const char*>(data), size));
  if (out.size() > 2 * size || out.find('\r') != std::string::npos) __builtin_trap();
  for (size_t p = out.find('\n'); p != std::string::npos; p = out.find('\n', p + 1)) {
    if (p + 1 >= out.size() || (out[p + 1] != ' ' && out[p + 1] != '\t')) __builtin_trap();
    size_t end = out.find('\n', p + 1);
    if (out.substr(p + 1, end == std::string::npos ? std::string::npos : end - p - 1)
            .find_first_not_of(" \t") == std::string::npos)
      __builtin_trap();
  }
  return 0;
}
