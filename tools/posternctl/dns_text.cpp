// Implements the dns-records helpers. Contract in dns_text.h.
#include "tools/posternctl/dns_text.h"

#include "common/core/ascii.h"
#include "common/core/deadline.h"
#include "common/log/log.h"

namespace postern::ctl {
namespace {

bool has_version_tag(std::string_view text, std::string_view tag) {
  if (text.size() < tag.size() || ascii_lower(text.substr(0, tag.size())) != ascii_lower(tag)) return false;
  return text.size() == tag.size() || text[tag.size()] == ' ';
}

}  // namespace

std::string lookup_failed(const DnsResult& r) {
  return std::string("lookup failed (") + to_string(r.status) + (r.detail.empty() ? "" : ": ") +
         log_safe(r.detail) + ")";
}

TxtLookup lookup_txt(Resolver& resolver, const std::string& name, std::string_view tag) {
  TxtLookup out;
  auto r = resolver.query(name, RrType::TXT, Deadline::after(kLookupDeadline));
  if (r.temporary_failure()) {
    out.problem = lookup_failed(r);
    return out;
  }
  for (const auto& rec : r.records) {
    if (tag.empty() || has_version_tag(rec.text, tag)) out.matching.push_back(rec.text);
  }
  return out;
}

std::string normalized(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : ascii_lower(s)) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace postern::ctl
