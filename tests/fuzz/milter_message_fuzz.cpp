// libFuzzer target for the milter client's message-file parser (tools/milterclient/message.h).
// Checks what the client relies on: field names are non-empty without ':' or NUL, values hold no
// NUL, and the body is empty or ends in CRLF.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/milterclient/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = postern::mta::parse_message(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!m.ok()) return 0;
  for (const auto& h : m->headers) {
    if (h.name.empty() || h.name.find(':') != std::string::npos) __builtin_trap();
    if (h.name.find('\0') != std::string::npos || h.value.find('\0') != std::string::npos) __builtin_trap();
    if (h.name.size() + h.value.size() > postern::mta::kMaxHeaderFieldBytes) __builtin_trap();
  }
  if (!m->body.empty() && (m->body.size() < 2 || m->body.compare(m->body.size() - 2, 2, "\r\n") != 0)) {
    __builtin_trap();
  }
  return 0;
}
