// Fuzz target: the RFC 5322 address-list parser and the envelope address parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/mail/address.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = postern::parse_address_list(in);
  if (r) {
    if (r->size() > postern::kMaxAddresses) std::abort();
    for (const auto& a : *r) {
      if (a.local_part.empty() || a.domain.empty()) std::abort();
    }
  }
  (void)postern::parse_envelope_address(in);
  return 0;
}
