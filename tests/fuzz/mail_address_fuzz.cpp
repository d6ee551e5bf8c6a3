// Fuzz target: the RFC 5322 address-list parser, the envelope address parser and the From: rule
// (one field, or the input split at its first newline into two).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/mail/address.h"
#include "common/mail/from_header.h"

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
  auto one = postern::parse_from_header({std::string(in)});
  if (one.author && (!one.addresses || one.addresses->size() != 1)) std::abort();
  if (size_t nl = in.find('\n'); nl != std::string_view::npos) {
    auto two = postern::parse_from_header({std::string(in.substr(0, nl)), std::string(in.substr(nl + 1))});
    if (two.author || two.addresses || two.fields != 2) std::abort();
  }
  return 0;
}
