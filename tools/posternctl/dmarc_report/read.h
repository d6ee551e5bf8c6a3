// DmarcReportReader: the reading side of `posternctl dmarc report read`: files and maildirs of
// received aggregate reports -> per report a line, per policy domain a summary across reports (who
// sends as the domain: source addresses with messages, DMARC / DKIM / SPF aligned passes and what
// receivers did) that answers "can this domain move to p=quarantine": which sources still fail.
// Every input is untrusted and read with bounds: a file of at most kMaxReadFileBytes, detected by
// content (gzip, zip, XML, else a mail whose report attachments are read, mail_parts.h), gzip and
// zip expanded to at most kMaxReportXmlBytes and kMaxExpansionRatio times their size (gzip.h,
// zip.h) and streamed into the XML parser (report_xml.h) as they are inflated, so a report is
// never whole in memory once decompressed: memory is the input file, the parser's state and
// the summary. A bad file or report is an error naming it and the
// others are still read. Summaries keep at most kMaxSummarySources sources per domain and
// kMaxSummaryDomains domains (the rest counted under "other"). Maildirs: the files of cur/ and
// new/, at most kMaxReadFiles files per run.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "common/dns/resolver.h"
#include "tools/posternctl/dmarc_report/report_xml.h"

namespace postern {

inline constexpr size_t kMaxReadFileBytes = 32 * 1024 * 1024;
inline constexpr size_t kMaxExpansionRatio = 200;
inline constexpr size_t kMaxSummarySources = 100000;
inline constexpr size_t kMaxSummaryDomains = 10000;
inline constexpr size_t kMaxReadFiles = 100000;
inline constexpr size_t kMaxReverseLookups = 64;
inline constexpr size_t kMaxPrintedSources = 50;

struct SourceStats {
  uint64_t messages = 0, dmarc_pass = 0, dkim_pass = 0, spf_pass = 0;
  std::map<std::string, uint64_t> dispositions;
  std::string name;  // reverse DNS name, when asked for and answered
};

struct DomainSummary {
  uint64_t reports = 0, messages = 0, dmarc_pass = 0, dkim_pass = 0, spf_pass = 0;
  int64_t begin = 0, end = 0;
  std::string policy;  // p=... as last reported
  std::map<std::string, SourceStats> sources;
};

struct ReadReportLine {
  std::string source;  // the file (and attachment)
  ReadReportMeta meta;
};

struct ReadError {
  std::string source, message;
};

class DmarcReportReader {
 public:
  // A file, or a directory read as a maildir (cur/ and new/) or else as a plain directory.
  void read_path(const std::string& path);
  // One input's bytes: a report file or a mail.
  void read_bytes(const std::string& source, std::string_view bytes);
  // Reverse names of the busiest and of the failing sources (at most kMaxReverseLookups).
  void resolve_names(Resolver& resolver);

  const std::vector<ReadReportLine>& reports() const { return reports_; }
  const std::vector<ReadError>& errors() const { return errors_; }
  const std::map<std::string, DomainSummary>& domains() const { return domains_; }

  void print_text(std::ostream& out) const;
  void print_json(std::ostream& out) const;

 private:
  void read_report(const std::string& source, std::string_view bytes, bool allow_mail);
  void read_file(const std::string& path);
  std::vector<ReadReportLine> reports_;
  std::vector<ReadError> errors_;
  std::map<std::string, DomainSummary> domains_;
  size_t files_ = 0;
};

}  // namespace postern
