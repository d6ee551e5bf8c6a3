// Fuzz target: parse_dns_answer on untrusted wire bytes. The first input byte picks the asked type;
// the question is always www.example.test (the seed corpus answers that name). Checks the limits
// the parser promises.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "common/dns/answer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static constexpr postern::RrType kTypes[] = {postern::RrType::A,   postern::RrType::AAAA,
                                               postern::RrType::TXT, postern::RrType::MX,
                                               postern::RrType::PTR, postern::RrType::CNAME};
  postern::RrType type = kTypes[data[0] % 6];
  auto r = postern::parse_dns_answer(std::span<const uint8_t>(data + 1, size - 1), "www.example.test", type);
  if (r) {
    if (r->result.records.size() > postern::kMaxAnswerRecords) std::abort();
    for (const auto& rec : r->result.records) {
      if (rec.text.size() > postern::kMaxTxtLength) std::abort();
    }
    if (r->result.status == postern::DnsStatus::answer && r->result.records.empty()) std::abort();
  }
  return 0;
}
