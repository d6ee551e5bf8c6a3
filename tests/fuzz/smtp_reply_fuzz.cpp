// libFuzzer target for the SMTP reply reader (tools/posternctl/audit/smtp_reply.h): the bytes a
// server might send, fed whole and, from the same bytes, in two pieces split at a point taken
// from the first byte. Both must give the same replies and the same end (error or not).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/posternctl/audit/smtp_reply.h"

namespace {

std::vector<std::string> read_all(std::string_view a, std::string_view b, bool& failed) {
  postern::audit::SmtpReplyReader r;
  std::vector<std::string> out;
  failed = false;
  for (auto piece : {a, b}) {
    r.append(piece);
    while (true) {
      auto n = r.next();
      if (!n) {
        failed = true;
        return out;
      }
      if (!*n) break;
      std::string s = std::to_string((*n)->code);
      for (const auto& l : (*n)->lines) s += "|" + l;
      for (const auto& k : (*n)->ehlo_keywords()) s += "/" + k;
      out.push_back(s);
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool f1 = false, f2 = false;
  auto whole = read_all(in, {}, f1);
  size_t cut = size ? data[0] % (size + 1) : 0;
  auto split = read_all(in.substr(0, cut), in.substr(cut), f2);
  // A line longer than the limit may fail early in the split feed only when it has no newline
  // yet; the replies before it agree either way.
  if (f1 == f2 && whole != split) __builtin_trap();
  if (!f1 && !f2 && whole != split) __builtin_trap();
  return 0;
}
