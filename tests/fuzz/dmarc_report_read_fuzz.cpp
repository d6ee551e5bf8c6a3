// Fuzz target: the reader of received DMARC aggregate reports (tools/posternctl/dmarc_report/read.h)
// over one input's bytes: mail, gzip, zip or XML, as `posternctl dmarc report read` takes a file.
// Checks that it never crashes or hangs and that every input ends as reports or errors.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include "tools/posternctl/dmarc_report/read.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  postern::DmarcReportReader reader;
  reader.read_bytes("input", std::string_view(reinterpret_cast<const char*>(data), size));
  if (reader.reports().empty() && reader.errors().empty()) std::abort();
  for (const auto& r : reader.reports()) {
    if (r.meta.records > postern::kMaxReportRecords) std::abort();
  }
  std::ostringstream text, json;
  reader.print_text(text);
  reader.print_json(json);
  return 0;
}
