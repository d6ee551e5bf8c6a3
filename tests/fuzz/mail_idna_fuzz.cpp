// Fuzz target: domain_to_alabels (IDNA2008 U-label/A-label conversion of untrusted domains).
// Checks the result's limits and that the conversion is idempotent on its own output.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/mail/idna.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = postern::domain_to_alabels(in);
  if (!r) return 0;
  if (r->empty() || r->size() > postern::kMaxDnsName) std::abort();
  for (unsigned char c : *r) {
    if (c >= 0x80 || (c >= 'A' && c <= 'Z')) std::abort();
  }
  auto again = postern::domain_to_alabels(*r);
  if (!again || *again != *r) std::abort();
  return 0;
}
