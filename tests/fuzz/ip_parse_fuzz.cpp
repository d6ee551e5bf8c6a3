// Fuzz target: IpAddress::parse and IpNetwork::parse, plus every formatter on what they accept.
// Checks that canonical text round-trips to the same address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/net/ip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto a = postern::IpAddress::parse(text);
  if (a) {
    auto again = postern::IpAddress::parse(a->str());
    if (!again || !(*again == *a)) std::abort();
    (void)a->ptr_name();
    (void)a->unmapped().str();
    (void)postern::network_key(*a, 24, 64);
    for (int p : {0, 1, 7, 8, 31, 33, 64, 127, 128, 129}) (void)a->masked(p).str();
  }
  auto n = postern::IpNetwork::parse(text);
  if (n) {
    auto again = postern::IpNetwork::parse(n->str());
    if (!again || !(again->base == n->base) || again->prefix_len != n->prefix_len) std::abort();
    if (!n->contains(n->base)) std::abort();
  }
  return 0;
}
