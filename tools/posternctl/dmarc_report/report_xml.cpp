// Implements parse_dmarc_report_xml. Contract in report_xml.h.
#include "tools/posternctl/dmarc_report/report_xml.h"

#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include <memory>

namespace postern {

const char* to_string(DmarcReportFormat f) { return f == DmarcReportFormat::rfc9990 ? "rfc9990" : "rfc7489"; }

namespace {

constexpr std::string_view kNs9990 = "urn:ietf:params:xml:ns:dmarc-2.0";
constexpr std::string_view kNs7489 = "http://dmarc.org/dmarc-xml/0.1";

struct ReaderDeleter {
  void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};

std::string_view sv(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
}

void capture_error(void* arg, const char* msg, xmlParserSeverities severity,
                   xmlTextReaderLocatorPtr locator) {
  auto* first = static_cast<std::string*>(arg);
  if (severity != XML_PARSER_SEVERITY_ERROR && severity != XML_PARSER_SEVERITY_VALIDITY_ERROR) return;
  if (!first->empty() || !msg) return;
  *first = msg;
  while (!first->empty() && (first->back() == '\n' || first->back() == ' ')) first->pop_back();
  if (locator) *first = "line " + std::to_string(xmlTextReaderLocatorLineNumber(locator)) + ": " + *first;
  if (first->size() > 200) first->resize(200);
}

bool number(std::string_view s, uint64_t max, uint64_t& out) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  if (s.empty() || s.size() > 19) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

std::string trimmed(std::string s) {
  size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

}  // namespace

Result<ReadReportMeta> parse_dmarc_report_xml(std::string_view xml,
                                              const std::function<void(const ReadRecord&)>& on_record) {
  if (xml.size() > kMaxReportXmlBytes)
    return Error::perm("XML larger than " + std::to_string(kMaxReportXmlBytes) + " bytes");
  // No DTD at all: an internal subset is where entity expansion attacks live.
  if (xml.find("<!DOCTYPE") != std::string_view::npos || xml.find("<!ENTITY") != std::string_view::npos)
    return Error::perm("XML with a DOCTYPE or ENTITY declaration refused (no DTDs, no entities)");
  std::unique_ptr<xmlTextReader, ReaderDeleter> r(
      xmlReaderForMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!r) return Error::perm("libxml2 could not start a reader");
  std::string error;
  xmlTextReaderSetErrorHandler(r.get(), capture_error, &error);
  ReadReportMeta meta;
  std::vector<std::string> path;
  std::string text;
  ReadRecord rec;
  size_t nodes = 0;
  bool root_seen = false;
  uint64_t messages = 0;
  auto at = [&](std::initializer_list<std::string_view> p) {
    if (path.size() != p.size()) return false;
    size_t i = 0;
    for (auto part : p) {
      if (path[i++] != part) return false;
    }
    return true;
  };
  auto finish_element = [&]() -> Result<void> {
    std::string v = trimmed(text);
    text.clear();
    if (path.size() < 2) return ok();
    const std::string& top = path[1];
    if (top == "report_metadata") {
      if (at({"feedback", "report_metadata", "org_name"}))
        meta.org_name = v;
      else if (at({"feedback", "report_metadata", "email"}))
        meta.email = v;
      else if (at({"feedback", "report_metadata", "report_id"}))
        meta.report_id = v;
      else if (at({"feedback", "report_metadata", "date_range", "begin"}) ||
               at({"feedback", "report_metadata", "date_range", "end"})) {
        uint64_t t = 0;
        if (!number(v, 1ull << 40, t)) return Error::perm("<" + path.back() + "> is not a time");
        (path.back() == "begin" ? meta.begin : meta.end) = static_cast<int64_t>(t);
      }
    } else if (top == "policy_published" && path.size() == 3) {
      const std::string& k = path[2];
      if (k == "domain")
        meta.domain = v;
      else if (k == "p")
        meta.p = v;
      else if (k == "sp")
        meta.sp = v;
      else if (k == "np")
        meta.np = v;
      else if (k == "testing")
        meta.testing = v;
      else if (k == "pct")
        meta.pct = v;
    } else if (top == "record") {
      if (at({"feedback", "record", "row", "source_ip"}))
        rec.source_ip = v;
      else if (at({"feedback", "record", "row", "count"})) {
        if (!number(v, kMaxRecordCount, rec.count))
          return Error::perm("<count> \"" + v.substr(0, 32) + "\" is not a count");
      } else if (at({"feedback", "record", "row", "policy_evaluated", "disposition"}))
        rec.disposition = v;
      else if (at({"feedback", "record", "row", "policy_evaluated", "dkim"}))
        rec.dkim = v;
      else if (at({"feedback", "record", "row", "policy_evaluated", "spf"}))
        rec.spf = v;
      else if (at({"feedback", "record", "row", "policy_evaluated", "reason", "type"})) {
        if (rec.reasons.size() < kMaxReadAuthResults) rec.reasons.push_back(v);
      } else if (at({"feedback", "record", "identifiers", "header_from"}))
        rec.header_from = v;
      else if (at({"feedback", "record", "identifiers", "envelope_from"}))
        rec.envelope_from = v;
      else if (at({"feedback", "record", "identifiers", "envelope_to"}))
        rec.envelope_to = v;
      else if (path.size() == 5 && path[2] == "auth_results" && (path[3] == "dkim" || path[3] == "spf")) {
        auto& list = path[3] == "dkim" ? rec.dkim_results : rec.spf_results;
        if (!list.empty()) {
          const std::string& k = path[4];
          if (k == "domain")
            list.back().domain = v;
          else if (k == "selector" || k == "scope")
            list.back().selector_or_scope = v;
          else if (k == "result")
            list.back().result = v;
        }
      } else if (at({"feedback", "record"})) {
        if (++meta.records > kMaxReportRecords)
          return Error::perm("more than " + std::to_string(kMaxReportRecords) + " records");
        if (rec.source_ip.empty())
          return Error::perm("record " + std::to_string(meta.records) + " has no <source_ip>");
        messages += rec.count;
        if (messages > kMaxRecordCount) return Error::perm("message counts add up beyond belief");
        on_record(rec);
        rec = ReadRecord{};
      }
    }
    return ok();
  };
  int ret = 0;
  while ((ret = xmlTextReaderRead(r.get())) == 1) {
    if (++nodes > kMaxReportXmlNodes)
      return Error::perm("more than " + std::to_string(kMaxReportXmlNodes) + " XML nodes");
    int type = xmlTextReaderNodeType(r.get());
    int depth = xmlTextReaderDepth(r.get());
    if (depth < 0 || static_cast<size_t>(depth) >= kMaxReportXmlDepth)
      return Error::perm("elements nested deeper than " + std::to_string(kMaxReportXmlDepth));
    switch (type) {
      case XML_READER_TYPE_DOCUMENT_TYPE:
      case XML_READER_TYPE_ENTITY_REFERENCE:
      case XML_READER_TYPE_ENTITY:
        return Error::perm("XML with a DOCTYPE or entity refused (no DTDs, no entities)");
      case XML_READER_TYPE_ELEMENT: {
        std::string name(sv(xmlTextReaderConstLocalName(r.get())));
        if (depth == 0) {
          if (root_seen || name != "feedback")
            return Error::perm("not a DMARC report: the root element is <" + name.substr(0, 32) + ">");
          root_seen = true;
          std::string_view ns = sv(xmlTextReaderConstNamespaceUri(r.get()));
          if (ns == kNs9990)
            meta.format = DmarcReportFormat::rfc9990;
          else if (ns.empty() || ns == kNs7489)
            meta.format = DmarcReportFormat::rfc7489;
          else
            return Error::perm("unknown namespace \"" + std::string(ns.substr(0, 64)) + "\"");
        }
        path.resize(static_cast<size_t>(depth));
        path.push_back(std::move(name));
        text.clear();
        if (at({"feedback", "record", "auth_results", "dkim"}) &&
            rec.dkim_results.size() < kMaxReadAuthResults)
          rec.dkim_results.emplace_back();
        if (at({"feedback", "record", "auth_results", "spf"}) && rec.spf_results.size() < kMaxReadAuthResults)
          rec.spf_results.emplace_back();
        if (xmlTextReaderIsEmptyElement(r.get())) {
          if (auto f = finish_element(); !f) return f.error();
          path.pop_back();
        }
        break;
      }
      case XML_READER_TYPE_TEXT:
      case XML_READER_TYPE_CDATA:
      case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
        if (text.size() < kMaxReportTextBytes) {
          text += sv(xmlTextReaderConstValue(r.get()));
          if (text.size() > kMaxReportTextBytes) text.resize(kMaxReportTextBytes);
        }
        break;
      case XML_READER_TYPE_END_ELEMENT:
        path.resize(static_cast<size_t>(depth) + 1);
        if (auto f = finish_element(); !f) return f.error();
        path.pop_back();
        break;
      default:
        break;
    }
  }
  if (ret != 0) return Error::perm("bad XML" + (error.empty() ? std::string() : ": " + error));
  if (!root_seen) return Error::perm("not a DMARC report: no <feedback> element");
  if (meta.report_id.empty()) return Error::perm("no <report_id>");
  if (meta.domain.empty()) return Error::perm("no <policy_published><domain>");
  if (meta.begin == 0 && meta.end == 0) return Error::perm("no <date_range>");
  meta.messages = messages;
  return meta;
}

}  // namespace postern
