// Fuzz target: DNS list specs (postscreen syntax).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/dnsbl/list_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto s = postern::parse_dns_list_spec(in);
  if (s) {
    postern::IpAddress a;
    a.bytes = {127, 0, 0, static_cast<uint8_t>(size)};
    (void)s->matches(a);
  }
  return 0;
}
