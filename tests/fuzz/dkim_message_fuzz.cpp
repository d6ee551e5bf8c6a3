// Fuzz target: the message splitter and canonical body lengths, fed the input whole and in two
// pieces (first byte says where); both must give the same fields and body, and the canonical
// body bytes must be as many as CanonicalBodyLength counts.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/dkim/body_length.h"
#include "common/dkim/canon.h"
#include "common/dkim/message_reader.h"

namespace {

struct Recorder final : postern::MessageSink {
  std::vector<std::string> fields;
  std::string text;
  postern::CanonicalBodyLength simple{postern::DkimCanon::simple};
  postern::CanonicalBodyLength relaxed{postern::DkimCanon::relaxed};
  postern::BodyCanonicalizer simple_bytes{postern::DkimCanon::simple, [](std::string_view) {}};
  postern::BodyCanonicalizer relaxed_bytes{postern::DkimCanon::relaxed, [](std::string_view) {}};
  void header(std::string_view n, std::string_view v) override {
    fields.push_back(std::string(n) + ":" + std::string(v));
  }
  void end_of_headers() override {}
  void body(std::string_view c) override {
    text.append(c);
    simple.add(c);
    relaxed.add(c);
    simple_bytes.add(c);
    relaxed_bytes.add(c);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t cut = data[0] % size;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  cut = cut > in.size() ? in.size() : cut;
  Recorder a, b;
  postern::MessageSplitter sa(a), sb(b);
  bool oka = sa.feed(in) && sa.finish();
  bool okb = sb.feed(in.substr(0, cut)) && sb.feed(in.substr(cut)) && sb.finish();
  if (oka != okb) __builtin_trap();
  if (oka && (a.fields != b.fields || a.text != b.text)) __builtin_trap();
  if (oka && (a.simple.length() != b.simple.length() || a.relaxed.length() != b.relaxed.length()))
    __builtin_trap();
  a.simple_bytes.finish();
  a.relaxed_bytes.finish();
  if (a.simple_bytes.written() != a.simple.length() || a.relaxed_bytes.written() != a.relaxed.length())
    __builtin_trap();
  return 0;
}
