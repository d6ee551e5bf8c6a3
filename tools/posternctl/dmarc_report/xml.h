// dmarc_report_xml: one aggregate (aggregate.h) -> the XML report of RFC 9990 (namespace
// urn:ietf:params:xml:ns:dmarc-2.0, the schema of its Appendix A, elements in the order its tables
// give), indented, UTF-8. Values came from messages and DNS: every text is escaped for XML (&, <,
// >, ", ') and bytes XML 1.0 cannot carry (control characters, invalid UTF-8) become '?', so the
// output is always well-formed. Pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/posternctl/dmarc_report/aggregate.h"

namespace postern {

inline constexpr const char* kDmarcReportNamespace = "urn:ietf:params:xml:ns:dmarc-2.0";

struct DmarcReportMeta {
  std::string org_name;
  std::string email;
  std::string report_id;
  int64_t begin = 0;  // unix seconds, the period's first second
  int64_t end = 0;    // its last second
  std::string generator;
  // What could not be evaluated or read for this domain; one <error> element (RFC 9990's schema
  // allows one) with the texts joined by "; ", none when empty.
  std::vector<std::string> errors;
};

std::string dmarc_report_xml(const DmarcAggregate& a, const DmarcReportMeta& meta);

// Text made safe for an XML element: escaped, control characters and invalid UTF-8 as '?'.
std::string xml_text(std::string_view s);

}  // namespace postern
