// Fuzz target: SPF macro expansion with a fixed context, as a domain-spec and as an explanation.
// Output stays within kMaxSpfMacroOutput; domain-spec results within 253 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/spf/macro.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  postern::SpfMacroContext c;
  c.sender = "strong-bad@email.example.com";
  c.domain = "email.example.com";
  c.ip = *postern::IpAddress::parse("2001:db8::cb01");
  c.helo = "mx.example.org";
  auto d = postern::expand_spf_macros(in, c, false);
  if (d && d->size() > 253) std::abort();
  auto e = postern::expand_spf_macros(in, c, true);
  if (e && e->size() > postern::kMaxSpfMacroOutput) std::abort();
  return 0;
}
