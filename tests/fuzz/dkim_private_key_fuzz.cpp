// Fuzz target: DKIM private key parsing (PEM through OpenSSL, or an RFC 8463 base64 seed); a key
// that parses must give a DNS record and TXT strings of at most 255 bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/dkim/private_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto k = postern::parse_dkim_private_key(std::string_view(reinterpret_cast<const char*>(data), size));
  if (k) {
    for (const auto& s : postern::split_txt_strings(k->dns_record())) {
      if (s.size() > postern::kMaxTxtStringLength) __builtin_trap();
    }
    if (!k->pkey) __builtin_trap();
  }
  return 0;
}
