// Fuzz target: the DMARC report log line reader (common/dmarc/report_line.h). Checks its limits
// and that what it accepts stays within them (envelope_to: one string in old lines, an array of
// domains now), and that a refused line's policy domain is read within the same bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dmarc/report_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto e = postern::parse_dmarc_report_line(in);
  if (!e) {
    // A refused line's policy domain, for the report's <error>: bounded by the line.
    if (postern::dmarc_report_line_domain(in).size() > in.size()) std::abort();
    return 0;
  }
  if (in.size() > postern::kMaxReportLineBytes) std::abort();
  if (e->dkim.size() > postern::kMaxReportLineItems || e->rua.size() > postern::kMaxReportLineItems ||
      e->envelope_to.size() > postern::kMaxReportLineItems)
    std::abort();
  for (const auto& d : e->envelope_to) {
    if (d.empty()) std::abort();
  }
  if (e->time < 0) std::abort();
  if (!e->has_record && (!e->rua.empty() || e->sp || e->np)) std::abort();
  return 0;
}
