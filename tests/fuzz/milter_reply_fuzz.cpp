// libFuzzer target for the milter reply decoder (tools/milterclient/reply.h): the input is a
// stream of bytes as a milter might send them; it is fed whole and, from the same bytes, in two
// pieces split at a point taken from the first byte. Both must give the same replies.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/milterclient/reply.h"

namespace {

// Decodes everything; returns the replies' command bytes and value sizes, and whether it ended in
// an error.
std::vector<std::string> decode(std::string_view a, std::string_view b, bool& failed) {
  postern::mta::ReplyStream s;
  std::vector<std::string> out;
  failed = false;
  for (std::string_view piece : {a, b}) {
    s.append(piece);
    for (;;) {
      auto r = s.next();
      if (!r) {
        failed = true;
        return out;
      }
      if (!r->has_value()) break;
      const auto& rep = **r;
      out.push_back(std::string(1, rep.command) + std::to_string(rep.index) + ":" + rep.name + ":" +
                    rep.value + ":" + rep.args + ":" + std::to_string(rep.code));
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool failed_whole = false, failed_split = false;
  auto whole = decode(in, {}, failed_whole);
  size_t cut = size ? data[0] % (size + 1) : 0;
  auto split = decode(in.substr(0, cut), in.substr(cut), failed_split);
  if (failed_whole != failed_split || whole != split) __builtin_trap();
  return 0;
}
