// Implements the MTA-STS and TLS-RPT TXT record parsers. Contract in txt_records.h.
#include "tools/posternctl/transport/txt_records.h"

#include <cctype>

namespace postern::ctl {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with_version(std::string_view text, std::string_view version) {
  if (text.substr(0, version.size()) != version) return false;
  return text.size() == version.size() || text[version.size()] == ';' || is_wsp(text[version.size()]);
}

struct Field {
  std::string_view name, value;
};

// "v=VERSION; a=b; c=d;" -> fields after the version.
Result<std::vector<Field>> split_fields(std::string_view text, std::string_view version) {
  if (text.size() > kMaxTransportTxt) return Error::perm("record longer than 4096 bytes");
  if (!starts_with_version(text, version))
    return Error::perm("record does not start with " + std::string(version));
  std::vector<Field> out;
  size_t pos = version.size();
  bool first = true;
  while (pos < text.size()) {
    size_t semi = text.find(';', pos);
    std::string_view part =
        trim(text.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    if (first) {
      if (!part.empty()) return Error::perm("text after the version without ';'");
      first = false;
    } else if (part.empty()) {
      if (semi != std::string_view::npos) return Error::perm("empty field");  // ";;"; a final ';' is fine
    } else {
      if (out.size() == kMaxTransportFields) return Error::perm("too many fields");
      size_t eq = part.find('=');
      if (eq == std::string_view::npos || eq == 0) return Error::perm("field without name=value");
      Field f{part.substr(0, eq), part.substr(eq + 1)};
      for (char c : f.name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
          return Error::perm("malformed field name");
      }
      for (const auto& o : out) {
        if (o.name == f.name) return Error::perm("field " + std::string(f.name) + " given twice");
      }
      out.push_back(f);
    }
    if (semi == std::string_view::npos) break;
    pos = semi + 1;
  }
  return out;
}

bool printable(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  }
  return !s.empty();
}

}  // namespace

bool looks_like_mta_sts_record(std::string_view text) { return starts_with_version(text, "v=STSv1"); }
bool looks_like_tlsrpt_record(std::string_view text) { return starts_with_version(text, "v=TLSRPTv1"); }

Result<std::string> parse_mta_sts_record(std::string_view text) {
  auto fields = split_fields(text, "v=STSv1");
  if (!fields) return fields.error();
  for (const auto& f : *fields) {
    if (f.name != "id") continue;
    if (f.value.empty() || f.value.size() > 32) return Error::perm("id must be 1 to 32 letters and digits");
    for (char c : f.value) {
      if (!std::isalnum(static_cast<unsigned char>(c)))
        return Error::perm("id must be 1 to 32 letters and digits");
    }
    return std::string(f.value);
  }
  return Error::perm("no id field");
}

Result<std::vector<TlsRptUri>> parse_tlsrpt_record(std::string_view text) {
  auto fields = split_fields(text, "v=TLSRPTv1");
  if (!fields) return fields.error();
  for (const auto& f : *fields) {
    if (f.name != "rua") continue;
    std::vector<TlsRptUri> out;
    size_t pos = 0;
    while (true) {
      size_t comma = f.value.find(',', pos);
      std::string_view uri =
          trim(f.value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
      if (out.size() == kMaxTlsRptUris) return Error::perm("more than 16 rua URIs");
      if (uri.substr(0, 7) == "mailto:") {
        std::string_view addr = uri.substr(7);
        size_t at = addr.find('@');
        if (at == 0 || at == std::string_view::npos || at + 1 >= addr.size() ||
            addr.find('@', at + 1) != std::string_view::npos || !printable(addr) ||
            addr.find_first_of("\"\\,;<>") != std::string_view::npos)
          return Error::perm("rua mailto: needs one address such as tlsrpt@example.org");
        out.push_back({TlsRptUriKind::mailto, std::string(addr)});
      } else if (uri.substr(0, 8) == "https://") {
        if (uri.size() == 8 || !printable(uri)) return Error::perm("rua https: URL is malformed");
        out.push_back({TlsRptUriKind::https, std::string(uri)});
      } else {
        return Error::perm("rua URI must be mailto: or https:");
      }
      if (comma == std::string_view::npos) break;
      pos = comma + 1;
    }
    return out;
  }
  return Error::perm("no rua field");
}

}  // namespace postern::ctl
