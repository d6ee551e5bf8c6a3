// Fuzz target: decoding stored records and counters (bytes read back from LMDB or Redis).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/store/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = postern::decode_record(in);
  if (r) {
    const std::string encoded = postern::encode_record(r->value, r->expires_at);
    auto again = postern::decode_record(encoded);
    if (!again || again->value != r->value || again->expires_at != r->expires_at) std::abort();
  }
  int64_t v;
  (void)postern::parse_counter(in, v);
  return 0;
}
