// parse_dmarc_report_xml: an aggregate report received from anyone (RFC 9990, namespace
// urn:ietf:params:xml:ns:dmarc-2.0, or RFC 7489 appendix C, with no namespace or
// http://dmarc.org/dmarc-xml/0.1) -> its metadata, each <record> handed to a callback as it is
// read. Untrusted input, read with libxml2's push parser (SAX2 callbacks, xmlParseChunk) and no
// network (XML_PARSE_NONET), no DTD loading or entity substitution: a DOCTYPE stops the parser
// at its name, before any internal subset (entity declarations) is read, and an entity
// reference other than the five predefined ones is an error. DmarcReportXmlParser takes the XML
// in pieces as a decompressor produces them (gzip.h, zip.h), so memory is the parser's state and
// the current record, never the whole document. Limits: kMaxReportXmlBytes of XML, element depth
// kMaxReportXmlDepth, kMaxReportXmlNodes nodes, kMaxReportRecords records, kMaxReportTextBytes per
// value, kMaxReadAuthResults DKIM/SPF results per record (the rest are counted, not kept). Values
// are kept as text (the caller escapes them for output); counts must be decimal numbers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxReportXmlBytes = 64 * 1024 * 1024;
inline constexpr size_t kMaxReportXmlDepth = 16;
inline constexpr size_t kMaxReportXmlNodes = 16 * 1024 * 1024;
inline constexpr size_t kMaxReportRecords = 200000;
inline constexpr size_t kMaxReportTextBytes = 1024;
inline constexpr size_t kMaxReadAuthResults = 100;
inline constexpr uint64_t kMaxRecordCount = 1000000000000ull;

enum class DmarcReportFormat { rfc7489, rfc9990 };
const char* to_string(DmarcReportFormat f);

struct ReadAuth {
  std::string domain, selector_or_scope, result;
};

struct ReadRecord {
  std::string source_ip;
  uint64_t count = 0;
  std::string disposition;           // as reported: none, pass, quarantine, reject
  std::string dkim, spf;             // the aligned results (pass / fail)
  std::vector<std::string> reasons;  // override types
  std::string header_from, envelope_from, envelope_to;
  std::vector<ReadAuth> dkim_results, spf_results;
};

struct ReadReportMeta {
  DmarcReportFormat format = DmarcReportFormat::rfc7489;
  std::string org_name, email, report_id;
  int64_t begin = 0, end = 0;
  std::string domain, p, sp, np, testing, pct;
  uint64_t records = 0;
  uint64_t messages = 0;
};

class DmarcReportXmlParser {
 public:
  explicit DmarcReportXmlParser(std::function<void(const ReadRecord&)> on_record);
  ~DmarcReportXmlParser();
  DmarcReportXmlParser(const DmarcReportXmlParser&) = delete;
  DmarcReportXmlParser& operator=(const DmarcReportXmlParser&) = delete;
  // The next piece of the document; after an error the parser takes nothing more.
  Result<void> feed(std::string_view chunk);
  // The end of the document: the metadata, or why the document is not a report.
  Result<ReadReportMeta> finish();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// The whole document at once (fed in pieces of kReportXmlChunkBytes).
inline constexpr size_t kReportXmlChunkBytes = 64 * 1024;
Result<ReadReportMeta> parse_dmarc_report_xml(std::string_view xml,
                                              const std::function<void(const ReadRecord&)>& on_record);

}  // namespace postern
