// libFuzzer target for the Authentication-Results authserv-id parser and the claim check built on
// it (common/authres/claim.h): neither may crash, a parsed id is never empty, and a value whose
// strict parse gives our id always counts as claiming it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/authres/claim.h"
#include "common/authres/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = postern::authres::parse_authserv_id(in);
  if (r.ok() && r->empty()) __builtin_trap();
  bool ours = postern::authres::claims_authserv_id(in, "mx.example.org");
  if (r.ok() && *r == "mx.example.org" && !ours) __builtin_trap();
  return 0;
}
