// libFuzzer target for the Authentication-Results authserv-id parser and the claim check built on
// it (common/authres/claim.h): neither may crash, a parsed id is never empty, and a value whose
// strict parse gives our id always counts as claiming it. Also the result keyword reader
// (common/authres/result.h): a keyword it reads writes back as the same keyword, case aside.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/authres/claim.h"
#include "common/authres/parse.h"
#include "common/authres/result.h"
#include "common/core/ascii.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = postern::authres::parse_authserv_id(in);
  if (r.ok() && r->empty()) __builtin_trap();
  bool ours = postern::authres::claims_authserv_id(in, "mx.example.org");
  if (r.ok() && *r == "mx.example.org" && !ours) __builtin_trap();
  if (auto k = postern::parse_auth_result(in); k && postern::ascii_lower(in) != postern::to_string(*k))
    __builtin_trap();
  return 0;
}
