// Fuzz target: DNS server specs and resolv.conf text. A spec that parses must round-trip through
// its canonical str().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dns/server_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto spec = postern::parse_server_spec(text);
  if (spec) {
    auto again = postern::parse_server_spec(spec->str());
    if (!again || !(again->ip == spec->ip) || again->port != spec->port) std::abort();
    sockaddr_storage sa;
    (void)spec->sockaddr(sa);
  }
  auto servers = postern::parse_resolv_conf(text);
  if (servers.size() > postern::kMaxResolvConfServers) std::abort();
  return 0;
}
