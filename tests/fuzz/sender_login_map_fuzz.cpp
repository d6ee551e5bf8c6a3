// Fuzz target: the sender login-map parser and building an OwnershipMap from its entries.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/sender/login_map.h"
#include "common/sender/ownership.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = postern::parse_login_map(text);
  postern::OwnershipMap map(parsed.entries, {});
  for (const auto& e : parsed.entries) {
    for (const auto& l : e.logins) (void)map.check_address(l, e.key);
  }
  return 0;
}
