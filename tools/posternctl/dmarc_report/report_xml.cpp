// Implements DmarcReportXmlParser and parse_dmarc_report_xml. Contract in report_xml.h.
#include "tools/posternctl/dmarc_report/report_xml.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <memory>

namespace postern {

const char* to_string(DmarcReportFormat f) { return f == DmarcReportFormat::rfc9990 ? "rfc9990" : "rfc7489"; }

namespace {

constexpr std::string_view kNs9990 = "urn:ietf:params:xml:ns:dmarc-2.0";
constexpr std::string_view kNs7489 = "http://dmarc.org/dmarc-xml/0.1";

std::string_view sv(const xmlChar* s) {
  return s ? std::string_view(reinterpret_cast<const char*>(s)) : std::string_view();
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

struct DmarcReportXmlParser::State {
  std::function<void(const ReadRecord&)> on_record;
  xmlParserCtxtPtr ctxt = nullptr;
  std::string error;      // ours: stops the parser; the document is refused with it
  std::string xml_error;  // libxml2's first error
  ReadReportMeta meta;
  std::vector<std::string> path;
  std::string text;
  ReadRecord rec;
  size_t nodes = 0;
  size_t bytes = 0;
  bool root_seen = false;
  bool done = false;
  uint64_t messages = 0;

  void stop(std::string why) {
    if (error.empty()) error = std::move(why);
    xmlStopParser(ctxt);
  }
  bool count_node() {
    if (++nodes <= kMaxReportXmlNodes) return true;
    stop("more than " + std::to_string(kMaxReportXmlNodes) + " XML nodes");
    return false;
  }
  bool at(std::initializer_list<std::string_view> p) const {
    if (path.size() != p.size()) return false;
    size_t i = 0;
    for (auto part : p) {
      if (path[i++] != part) return false;
    }
    return true;
  }
  Result<void> finish_element();
  void start(std::string_view name, std::string_view ns);
  void end();
};

Result<void> DmarcReportXmlParser::State::finish_element() {
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
}

void DmarcReportXmlParser::State::start(std::string_view name, std::string_view ns) {
  if (!error.empty() || !count_node()) return;
  if (path.size() >= kMaxReportXmlDepth) {
    stop("elements nested deeper than " + std::to_string(kMaxReportXmlDepth));
    return;
  }
  if (path.empty()) {
    if (root_seen || name != "feedback") {
      stop("not a DMARC report: the root element is <" + std::string(name.substr(0, 32)) + ">");
      return;
    }
    root_seen = true;
    if (ns == kNs9990)
      meta.format = DmarcReportFormat::rfc9990;
    else if (ns.empty() || ns == kNs7489)
      meta.format = DmarcReportFormat::rfc7489;
    else {
      stop("unknown namespace \"" + std::string(ns.substr(0, 64)) + "\"");
      return;
    }
  }
  path.emplace_back(name);
  text.clear();
  if (at({"feedback", "record", "auth_results", "dkim"}) && rec.dkim_results.size() < kMaxReadAuthResults)
    rec.dkim_results.emplace_back();
  if (at({"feedback", "record", "auth_results", "spf"}) && rec.spf_results.size() < kMaxReadAuthResults)
    rec.spf_results.emplace_back();
}

void DmarcReportXmlParser::State::end() {
  if (!error.empty() || path.empty()) return;
  if (auto f = finish_element(); !f) {
    stop(f.error().message);
    return;
  }
  path.pop_back();
}

namespace {

DmarcReportXmlParser::State& state_of(void* ctx) { return *static_cast<DmarcReportXmlParser::State*>(ctx); }

void on_start(void* ctx, const xmlChar* localname, const xmlChar*, const xmlChar* uri, int, const xmlChar**,
              int, int, const xmlChar**) {
  state_of(ctx).start(sv(localname), sv(uri));
}

void on_end(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) { state_of(ctx).end(); }

void on_text(void* ctx, const xmlChar* ch, int len) {
  auto& s = state_of(ctx);
  if (!s.error.empty() || !s.count_node() || len <= 0) return;
  if (s.text.size() < kMaxReportTextBytes)
    s.text.append(reinterpret_cast<const char*>(ch),
                  std::min(static_cast<size_t>(len), kMaxReportTextBytes - s.text.size()));
}

void on_doctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  state_of(ctx).stop("XML with a DOCTYPE or ENTITY declaration refused (no DTDs, no entities)");
}

void on_entity_decl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  state_of(ctx).stop("XML with a DOCTYPE or ENTITY declaration refused (no DTDs, no entities)");
}

void on_reference(void* ctx, const xmlChar*) {
  state_of(ctx).stop("XML with an entity reference refused (no DTDs, no entities)");
}

xmlEntityPtr no_entity(void*, const xmlChar*) { return nullptr; }

void on_error(void* ctx, xmlErrorPtr e) {
  auto& s = state_of(ctx);
  if (!e || e->level < XML_ERR_ERROR || !s.xml_error.empty() || !e->message) return;
  std::string m = e->message;
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  s.xml_error = "line " + std::to_string(e->line) + ": " + m;
  if (s.xml_error.size() > 200) s.xml_error.resize(200);
}

xmlSAXHandler sax_handler() {
  xmlSAXHandler h{};
  h.initialized = XML_SAX2_MAGIC;
  h.startElementNs = on_start;
  h.endElementNs = on_end;
  h.characters = on_text;
  h.cdataBlock = on_text;
  h.internalSubset = on_doctype;
  h.externalSubset = on_doctype;
  h.entityDecl = on_entity_decl;
  h.reference = on_reference;
  h.getEntity = no_entity;
  h.getParameterEntity = no_entity;
  h.serror = on_error;
  return h;
}

}  // namespace

DmarcReportXmlParser::DmarcReportXmlParser(std::function<void(const ReadRecord&)> on_record)
    : state_(std::make_unique<State>()) {
  state_->on_record = std::move(on_record);
  xmlSAXHandler h = sax_handler();
  // The handler is copied into the context; user data is our state.
  state_->ctxt = xmlCreatePushParserCtxt(&h, state_.get(), nullptr, 0, nullptr);
  if (state_->ctxt) xmlCtxtUseOptions(state_->ctxt, XML_PARSE_NONET);
}

DmarcReportXmlParser::~DmarcReportXmlParser() {
  if (state_->ctxt) xmlFreeParserCtxt(state_->ctxt);
}

Result<void> DmarcReportXmlParser::feed(std::string_view chunk) {
  State& s = *state_;
  if (!s.ctxt) return Error::perm("libxml2 could not start a parser");
  if (!s.error.empty()) return Error::perm(s.error);
  if (s.done) return Error::perm("XML after the end of the document");
  if (chunk.size() > kMaxReportXmlBytes - s.bytes) {
    s.error = "XML larger than " + std::to_string(kMaxReportXmlBytes) + " bytes";
    return Error::perm(s.error);
  }
  s.bytes += chunk.size();
  while (!chunk.empty()) {
    size_t n = std::min(chunk.size(), kReportXmlChunkBytes);
    int rc = xmlParseChunk(s.ctxt, chunk.data(), static_cast<int>(n), 0);
    if (!s.error.empty()) return Error::perm(s.error);
    if (rc != 0) {
      s.error = "bad XML" + (s.xml_error.empty() ? std::string() : ": " + s.xml_error);
      return Error::perm(s.error);
    }
    chunk.remove_prefix(n);
  }
  return ok();
}

Result<ReadReportMeta> DmarcReportXmlParser::finish() {
  State& s = *state_;
  if (!s.ctxt) return Error::perm("libxml2 could not start a parser");
  if (!s.error.empty()) return Error::perm(s.error);
  s.done = true;
  int rc = xmlParseChunk(s.ctxt, nullptr, 0, 1);
  if (!s.error.empty()) return Error::perm(s.error);
  if (rc != 0 || !s.ctxt->wellFormed)
    return Error::perm("bad XML" + (s.xml_error.empty() ? std::string() : ": " + s.xml_error));
  if (!s.root_seen) return Error::perm("not a DMARC report: no <feedback> element");
  if (s.meta.report_id.empty()) return Error::perm("no <report_id>");
  if (s.meta.domain.empty()) return Error::perm("no <policy_published><domain>");
  if (s.meta.begin == 0 && s.meta.end == 0) return Error::perm("no <date_range>");
  s.meta.messages = s.messages;
  return s.meta;
}

Result<ReadReportMeta> parse_dmarc_report_xml(std::string_view xml,
                                              const std::function<void(const ReadRecord&)>& on_record) {
  if (xml.size() > kMaxReportXmlBytes)
    return Error::perm("XML larger than " + std::to_string(kMaxReportXmlBytes) + " bytes");
  DmarcReportXmlParser parser(on_record);
  if (auto f = parser.feed(xml); !f) return f.error();
  return parser.finish();
}

}  // namespace postern
