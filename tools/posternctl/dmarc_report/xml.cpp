// Implements dmarc_report_xml. Contract in xml.h.
#include "tools/posternctl/dmarc_report/xml.h"

namespace postern {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
size_t utf8_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
  }
  if (n == 3 && ((c == 0xe0 && b(i + 1) < 0xa0) || (c == 0xed && b(i + 1) >= 0xa0))) return 0;
  if (n == 4 && ((c == 0xf0 && b(i + 1) < 0x90) || (c == 0xf4 && b(i + 1) >= 0x90))) return 0;
  return n;
}

class Out {
 public:
  void open(std::string_view name) {
    indent();
    s += '<';
    s += name;
    s += ">\n";
    ++depth;
  }
  void close(std::string_view name) {
    --depth;
    indent();
    s += "</";
    s += name;
    s += ">\n";
  }
  void leaf(std::string_view name, std::string_view text) {
    indent();
    s += '<';
    s += name;
    s += '>';
    s += xml_text(text);
    s += "</";
    s += name;
    s += ">\n";
  }
  std::string s;

 private:
  void indent() { s.append(static_cast<size_t>(depth) * 2, ' '); }
  int depth = 0;
};

const char* align(DmarcAlign a) { return a == DmarcAlign::strict ? "s" : "r"; }

}  // namespace

std::string xml_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_length(s, i);
      if (n == 0) {
        out += '?';
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
    }
  }
  return out;
}

std::string dmarc_report_xml(const DmarcAggregate& a, const DmarcReportMeta& meta) {
  Out o;
  o.s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback xmlns=\"";
  o.s += kDmarcReportNamespace;
  o.s += "\">\n";
  Out body;
  body.open("feedback");  // for the indentation only; the real tag is above
  body.s.clear();
  body.leaf("version", "1.0");
  body.open("report_metadata");
  body.leaf("org_name", meta.org_name);
  body.leaf("email", meta.email);
  body.leaf("report_id", meta.report_id);
  body.open("date_range");
  body.leaf("begin", std::to_string(meta.begin));
  body.leaf("end", std::to_string(meta.end));
  body.close("date_range");
  if (!meta.errors.empty()) {
    std::string text;
    for (const auto& e : meta.errors) text += (text.empty() ? "" : "; ") + e;
    body.leaf("error", text);
  }
  if (!meta.generator.empty()) body.leaf("generator", meta.generator);
  body.close("report_metadata");
  const DmarcPublishedPolicy& p = a.policy;
  body.open("policy_published");
  body.leaf("domain", p.domain);
  body.leaf("discovery_method", "treewalk");
  body.leaf("p", to_string(p.p));
  body.leaf("sp", to_string(p.sp));
  body.leaf("np", to_string(p.np));
  body.leaf("fo", p.fo);
  body.leaf("adkim", align(p.adkim));
  body.leaf("aspf", align(p.aspf));
  body.leaf("testing", p.testing ? "y" : "n");
  body.close("policy_published");
  for (const auto& r : a.rows) {
    body.open("record");
    body.open("row");
    body.leaf("source_ip", r.source_ip);
    body.leaf("count", std::to_string(r.count));
    body.open("policy_evaluated");
    body.leaf("disposition", to_string(r.disposition));
    body.leaf("dkim", r.dkim_pass ? "pass" : "fail");
    body.leaf("spf", r.spf_pass ? "pass" : "fail");
    for (auto t : r.reasons) {
      body.open("reason");
      body.leaf("type", to_string(t));
      body.close("reason");
    }
    body.close("policy_evaluated");
    body.close("row");
    body.open("identifiers");
    body.leaf("header_from", r.header_from);
    if (r.envelope_from) body.leaf("envelope_from", *r.envelope_from);
    if (!r.envelope_to.empty()) body.leaf("envelope_to", r.envelope_to);
    body.close("identifiers");
    body.open("auth_results");
    for (const auto& d : r.dkim) {
      body.open("dkim");
      body.leaf("domain", d.domain);
      body.leaf("selector", d.selector);
      body.leaf("result", d.result);
      body.close("dkim");
    }
    if (!r.spf_domain.empty()) {
      body.open("spf");
      body.leaf("domain", r.spf_domain);
      if (r.spf_scope) body.leaf("scope", "mfrom");
      body.leaf("result", r.spf_result);
      body.close("spf");
    }
    body.close("auth_results");
    body.close("record");
  }
  o.s += body.s;
  o.s += "</feedback>\n";
  return std::move(o.s);
}

}  // namespace postern
