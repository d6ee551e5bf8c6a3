// Implements parse_key_table. Contract in key_table.h.
#include "common/dkim/key_table.h"

#include <set>

#include "common/core/ascii.h"

namespace postern {
namespace {

bool valid_labels(std::string_view s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  size_t label = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

std::string line_error(int line, const std::string& message) { return std::to_string(line) + ": " + message; }

}  // namespace

bool valid_dkim_domain(std::string_view d) { return valid_labels(d, kMaxDkimDomainLength); }
bool valid_dkim_selector(std::string_view s) { return valid_labels(s, kMaxDkimSelectorLength); }

KeyTableParse parse_key_table(std::string_view text) {
  KeyTableParse out;
  if (text.size() > kMaxKeyTableBytes) {
    out.errors.push_back("0: key table is larger than " + std::to_string(kMaxKeyTableBytes) + " bytes");
    return out;
  }
  std::set<std::string, std::less<>> names;
  int line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxKeyTableLine) {
      out.errors.push_back(
          line_error(line_no, "line longer than " + std::to_string(kMaxKeyTableLine) + " bytes"));
      continue;
    }
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    size_t a = 0;
    while (a < line.size() && is_space(line[a])) ++a;
    if (a == line.size()) continue;
    size_t b = a;
    while (b < line.size() && !is_space(line[b])) ++b;
    std::string_view name = line.substr(a, b - a);
    size_t c = b;
    while (c < line.size() && is_space(line[c])) ++c;
    size_t d = c;
    while (d < line.size() && !is_space(line[d])) ++d;
    std::string_view value = line.substr(c, d - c);
    size_t e = d;
    while (e < line.size() && is_space(line[e])) ++e;
    if (value.empty()) {
      out.errors.push_back(line_error(line_no, "expected NAME DOMAIN:SELECTOR:KEYFILE"));
      continue;
    }
    if (e != line.size()) {
      out.errors.push_back(line_error(line_no, "unexpected text after DOMAIN:SELECTOR:KEYFILE"));
      continue;
    }
    size_t c1 = value.find(':');
    size_t c2 = c1 == std::string_view::npos ? c1 : value.find(':', c1 + 1);
    if (c2 == std::string_view::npos) {
      out.errors.push_back(line_error(line_no, "value must be DOMAIN:SELECTOR:KEYFILE"));
      continue;
    }
    std::string_view domain = value.substr(0, c1);
    std::string_view selector = value.substr(c1 + 1, c2 - c1 - 1);
    std::string_view path = value.substr(c2 + 1);
    if (domain != "%" && !valid_dkim_domain(domain)) {
      out.errors.push_back(line_error(line_no, "invalid domain (a DNS name or %)"));
      continue;
    }
    if (!valid_dkim_selector(selector)) {
      out.errors.push_back(line_error(line_no, "invalid selector"));
      continue;
    }
    if (path.empty() || path[0] != '/' || path.size() > kMaxKeyPathLength) {
      out.errors.push_back(
          line_error(line_no, "key file must be an absolute path (inline keys are not supported)"));
      continue;
    }
    std::string lname = ascii_lower(name);
    if (!names.insert(lname).second) {
      out.errors.push_back(line_error(line_no, "duplicate key name"));
      continue;
    }
    if (out.entries.size() >= kMaxKeyTableEntries) {
      out.errors.push_back(line_error(line_no, "more than " + std::to_string(kMaxKeyTableEntries) + " keys"));
      break;
    }
    out.entries.push_back({lname, ascii_lower(domain), std::string(selector), std::string(path), line_no});
  }
  return out;
}

}  // namespace postern
