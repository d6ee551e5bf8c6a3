// Fuzz target: the HTTP response parser of the MTA-STS policy fetch
// (tools/posternctl/transport/http_response.h). A parsed body never exceeds the limit it was given,
// and the status is a three-digit number.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tools/posternctl/transport/http_response.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (size_t limit : {size_t{16}, size_t{64 * 1024}}) {
    auto r = postern::ctl::parse_http_response(in, limit);
    if (!r) continue;
    if (r->body.size() > limit || r->status < 0 || r->status > 999) std::abort();
  }
  return 0;
}
