// Fuzz target: the SPF record parser and the macro-string checker. Neither may crash; a parsed
// record stays within its named bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/spf/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = postern::parse_spf_record(in);
  if (r && r->terms.size() > postern::kMaxSpfTerms) std::abort();
  (void)postern::valid_macro_string(in.substr(0, 1024), true);
  return 0;
}
