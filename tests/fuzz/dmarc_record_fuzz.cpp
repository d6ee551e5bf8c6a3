// Fuzz target: the DMARC record parser, plus the author-address rule over the same bytes as one
// or two From: header values.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "common/dmarc/author.h"
#include "common/dmarc/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  bool is_record = postern::is_dmarc_record(in);
  auto r = postern::parse_dmarc_record(in);
  if (r) {
    if (!is_record) std::abort();
    if (r->rua.size() > postern::kMaxReportUris || r->ruf.size() > postern::kMaxReportUris) std::abort();
    if (r->p_implied && (r->p != postern::DmarcPolicy::none || r->rua.empty())) std::abort();
    if (r->pct && (*r->pct < 0 || *r->pct > 100)) std::abort();
  }
  auto a = postern::dmarc_author({std::string(in)});
  if (a && a->domain.empty()) std::abort();
  if (size_t nl = in.find('\n'); nl != std::string_view::npos) {
    auto two = postern::dmarc_author({std::string(in.substr(0, nl)), std::string(in.substr(nl + 1))});
    if (two) std::abort();  // two From: headers are never one author
  }
  return 0;
}
