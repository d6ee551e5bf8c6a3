// Fuzz target: the policy protocol parser, whole and split in two at a data-chosen point; both
// must agree.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "common/policy/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  postern::PolicyRequestParser a, b;
  std::vector<postern::PolicyRequest> ra, rb;
  auto whole = a.feed(in, ra);
  size_t cut = size ? data[0] % (size + 1) : 0;
  auto first = b.feed(in.substr(0, cut), rb);
  if (first) (void)b.feed(in.substr(cut), rb);
  if (whole.ok() != !b.failed()) std::abort();
  if (ra.size() != rb.size()) std::abort();
  return 0;
}
