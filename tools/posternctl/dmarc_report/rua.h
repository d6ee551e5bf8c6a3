// parse_report_uri: one rua URI of a DMARC record (as kept by parse_dmarc_record, with any
// "!size" suffix) -> where and how big a report may go. Only "mailto:" URIs are usable (RFC 9990
// defines no other delivery); others are an error saying so. The URI came from DNS: untrusted.
// Pure function; limits: kMaxReportUriBytes (record.h), one address (no '?' headers, no ',' list),
// percent-escapes decoded once, a size of at most kMaxReportSizeDigits digits with an optional
// unit k, m, g or t (powers of 1024, RFC 7489 6.4's ABNF, kept by RFC 9989).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxReportSizeDigits = 15;

struct ReportUri {
  std::string address;  // local@host, host lower-case
  std::string host;
  std::optional<uint64_t> max_bytes;  // "!size": larger reports must not be sent here
};

Result<ReportUri> parse_report_uri(std::string_view uri);

}  // namespace postern
