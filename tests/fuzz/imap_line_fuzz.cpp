// libFuzzer target for the IMAP and POP3 line parsers (tools/posternctl/audit/imap_line.h): every
// input line must give a value or an error; a parsed line's capabilities are bounded.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/posternctl/audit/imap_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace postern::audit;
  if (auto r = parse_imap_line(in)) {
    if (r->capabilities.size() > kMaxImapCapabilities) __builtin_trap();
    (void)r->has_capability("STARTTLS");
  }
  (void)parse_pop3_line(in);
  return 0;
}
