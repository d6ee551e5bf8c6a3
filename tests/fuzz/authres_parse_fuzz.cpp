// libFuzzer target for the Authentication-Results authserv-id parser.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/authres/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = postern::authres::parse_authserv_id(std::string_view(reinterpret_cast<const char*>(data), size));
  if (r.ok() && r->empty()) __builtin_trap();
  return 0;
}
