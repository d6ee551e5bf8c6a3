// Implements parse_dns_list_spec. Contract in list_spec.h.
#include "common/dnsbl/list_spec.h"

#include <algorithm>
#include <charconv>

namespace postern {
namespace {

bool parse_num(std::string_view s, int lo, int hi, int& out) {
  if (s.empty() || s.size() > 4) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out >= lo && out <= hi;
}

bool parse_octet(std::string_view s, std::bitset<256>& bits) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    std::string_view inner = s.substr(1, s.size() - 2);
    if (size_t dots = inner.find(".."); dots != std::string_view::npos) {
      int a, b;
      if (!parse_num(inner.substr(0, dots), 0, 255, a) || !parse_num(inner.substr(dots + 2), 0, 255, b) ||
          a > b) {
        return false;
      }
      for (int v = a; v <= b; ++v) bits.set(static_cast<size_t>(v));
      return true;
    }
    size_t start = 0;
    while (start <= inner.size()) {
      size_t semi = inner.find(';', start);
      int v;
      if (!parse_num(
              inner.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start), 0,
              255, v)) {
        return false;
      }
      bits.set(static_cast<size_t>(v));
      if (semi == std::string_view::npos) break;
      start = semi + 1;
    }
    return true;
  }
  int v;
  if (!parse_num(s, 0, 255, v)) return false;
  bits.set(static_cast<size_t>(v));
  return true;
}

}  // namespace

bool DnsListSpec::matches(const IpAddress& a) const {
  if (a.v6) return false;
  if (!has_filter) return a.bytes[0] == 127;
  for (int i = 0; i < 4; ++i) {
    if (!octets[static_cast<size_t>(i)].test(a.bytes[static_cast<size_t>(i)])) return false;
  }
  return true;
}

Result<DnsListSpec> parse_dns_list_spec(std::string_view text) {
  if (text.empty() || text.size() > kMaxListSpec) return Error::perm("empty or too long list spec");
  DnsListSpec s;
  s.text = std::string(text);
  std::string_view rest = text;
  if (size_t star = rest.rfind('*'); star != std::string_view::npos) {
    if (!parse_num(rest.substr(star + 1), -1000, 1000, s.weight))
      return Error::perm("weight must be -1000..1000");
    rest = rest.substr(0, star);
  }
  std::string_view zone = rest, filter;
  if (size_t eq = rest.find('='); eq != std::string_view::npos) {
    zone = rest.substr(0, eq);
    filter = rest.substr(eq + 1);
  }
  if (zone.empty() || zone.size() > 253) return Error::perm("missing zone");
  for (char c : zone) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '.' || c == '_';
    if (!ok) return Error::perm("zone has characters a DNS name cannot have");
  }
  s.zone = std::string(zone);
  std::transform(s.zone.begin(), s.zone.end(), s.zone.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  while (!s.zone.empty() && s.zone.back() == '.') s.zone.pop_back();
  if (!filter.empty()) {
    s.has_filter = true;
    size_t start = 0;
    for (int i = 0; i < 4; ++i) {
      // Split on '.' outside brackets ("[2..11]" holds dots).
      size_t end = start;
      int depth = 0;
      while (end < filter.size() && (filter[end] != '.' || depth > 0)) {
        if (filter[end] == '[') ++depth;
        if (filter[end] == ']') --depth;
        ++end;
      }
      if ((i < 3 && end >= filter.size()) || (i == 3 && end != filter.size())) {
        return Error::perm("filter must have four octets, e.g. 127.0.0.[2..11]");
      }
      if (!parse_octet(filter.substr(start, end - start), s.octets[static_cast<size_t>(i)])) {
        return Error::perm("bad filter octet " + std::string(filter.substr(start, end - start)));
      }
      start = end + 1;
    }
  }
  return s;
}

}  // namespace postern
