// Fuzz target: DKIM verification of an arbitrary message through libopendkim and our result
// mapping. Keys come from a resolver that answers every query with one fixed ed25519 key record,
// so signature parsing, key parsing and result mapping are all reached without any network.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/dkim/dkim.h"
#include "common/dkim/message_reader.h"

namespace {

class FixedResolver final : public postern::Resolver {
 public:
  postern::DnsResult query(std::string_view, postern::RrType, postern::Deadline) override {
    postern::DnsResult r;
    r.status = postern::DnsStatus::answer;
    r.records.push_back({"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", 0, 60});
    return r;
  }
  std::vector<postern::DnsResult> query_all(std::span<const postern::DnsQuery> qs,
                                            postern::Deadline d) override {
    std::vector<postern::DnsResult> out;
    for (const auto& q : qs) out.push_back(query(q.name, q.type, d));
    return out;
  }
};

struct Sink final : postern::MessageSink {
  postern::DkimVerifySession& s;
  explicit Sink(postern::DkimVerifySession& v) : s(v) {}
  void header(std::string_view n, std::string_view v) override { s.add_header(n, v); }
  void end_of_headers() override {}
  void body(std::string_view c) override { s.add_body(c); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static FixedResolver resolver;
  static postern::FakeClock clock(1528637909);
  static postern::DkimEngine engine({}, resolver, clock);
  auto session = engine.verify("fuzz");
  if (!session) return 0;
  Sink sink(**session);
  postern::MessageSplitter split(sink);
  (void)split.feed(std::string_view(reinterpret_cast<const char*>(data), size));
  (void)split.finish();
  auto v = (*session)->finish();
  for (const auto& s : v.signatures) {
    if (s.result == postern::DkimResult::none) __builtin_trap();
  }
  return 0;
}
