// Implements parse_report_uri. Contract in rua.h.
#include "tools/posternctl/dmarc_report/rua.h"

#include "common/core/ascii.h"
#include "common/dmarc/record.h"
#include "common/dmarc/tree_walk.h"

namespace postern {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<ReportUri> parse_report_uri(std::string_view uri) {
  if (uri.size() > kMaxReportUriBytes) return Error::perm("URI too long");
  ReportUri out;
  size_t bang = uri.rfind('!');
  std::string_view target = uri;
  if (bang != std::string_view::npos) {
    std::string_view size = uri.substr(bang + 1);
    target = uri.substr(0, bang);
    uint64_t unit = 1;
    if (!size.empty()) {
      char u = static_cast<char>(size.back() | 0x20);
      if (u == 'k' || u == 'm' || u == 'g' || u == 't') {
        unit = u == 'k' ? 1ull << 10 : u == 'm' ? 1ull << 20 : u == 'g' ? 1ull << 30 : 1ull << 40;
        size.remove_suffix(1);
      }
    }
    if (size.empty() || size.size() > kMaxReportSizeDigits) return Error::perm("bad size limit");
    uint64_t n = 0;
    for (char c : size) {
      if (c < '0' || c > '9') return Error::perm("bad size limit");
      n = n * 10 + static_cast<uint64_t>(c - '0');
    }
    if (n > UINT64_MAX / unit) return Error::perm("bad size limit");
    out.max_bytes = n * unit;
  }
  if (target.size() < 7 || ascii_lower(target.substr(0, 7)) != "mailto:")
    return Error::perm("not a mailto: URI (the only kind reports are sent to)");
  std::string address;
  for (size_t i = 7; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%' && i + 2 < target.size() && hex(target[i + 1]) >= 0 && hex(target[i + 2]) >= 0) {
      c = static_cast<char>(hex(target[i + 1]) * 16 + hex(target[i + 2]));
      i += 2;
    }
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '?' || c == ',' || c == '<' || c == '>' || c == '"' || c == '(' ||
        c == ')' || c == ';' || c == ':' || c == '\\' || c == '[' || c == ']')
      return Error::perm("not a plain address");
    address += c;
  }
  size_t at = address.rfind('@');
  if (at == std::string::npos || at == 0 || address.find('@') != at)
    return Error::perm("not a plain address");
  out.host = ascii_lower(address.substr(at + 1));
  if (!out.host.empty() && out.host.back() == '.') out.host.pop_back();
  if (!valid_dmarc_domain(out.host)) return Error::perm("not a plain address");
  out.address = address.substr(0, at + 1) + out.host;
  return out;
}

}  // namespace postern
