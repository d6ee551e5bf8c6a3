// Implements expand_spf_macros. Contract in macro.h.
#include "common/spf/macro.h"

#include <algorithm>
#include <vector>

#include "common/spf/record.h"

namespace postern {
namespace {

std::string letter_value(char letter, const SpfMacroContext& c) {
  switch (letter) {
    case 's':
      return c.sender;
    case 'l': {
      size_t at = c.sender.rfind('@');
      std::string l = at == std::string::npos ? std::string() : c.sender.substr(0, at);
      return l.empty() ? "postmaster" : l;
    }
    case 'o': {
      size_t at = c.sender.rfind('@');
      return at == std::string::npos ? c.sender : c.sender.substr(at + 1);
    }
    case 'd':
      return c.domain;
    case 'i': {
      if (!c.ip.v6) return c.ip.str();
      std::string out;
      static const char* hex = "0123456789abcdef";
      for (int i = 0; i < 16; ++i) {
        if (!out.empty()) out += '.';
        out += hex[c.ip.bytes[static_cast<size_t>(i)] >> 4];
        out += '.';
        out += hex[c.ip.bytes[static_cast<size_t>(i)] & 15];
      }
      return out;
    }
    case 'p':
      return c.validated_name;
    case 'v':
      return c.ip.v6 ? "ip6" : "in-addr";
    case 'h':
      return c.helo;
    case 'c':
      return c.ip.str();
    case 'r':
      return c.receiver;
    case 't':
      return std::to_string(c.timestamp);
  }
  return "";
}

bool unreserved(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
         ch == '.' || ch == '_' || ch == '~';
}

// Drops labels from the left until the name is at most 253 bytes (RFC 7208 7.3).
std::string truncate_domain(std::string d) {
  while (d.size() > 253) {
    size_t dot = d.find('.');
    if (dot == std::string::npos) return d.substr(d.size() - 253);
    d.erase(0, dot + 1);
  }
  return d;
}

}  // namespace

Result<std::string> expand_spf_macros(std::string_view s, const SpfMacroContext& ctx, bool explanation) {
  if (!valid_macro_string(s, explanation)) return Error::perm("bad macro syntax");
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (out.size() > kMaxSpfMacroOutput) return Error::perm("macro expansion too long");
    char c = s[i];
    if (c != '%') {
      out += c;
      continue;
    }
    char n = s[++i];
    if (n == '%') {
      out += '%';
      continue;
    }
    if (n == '_') {
      out += ' ';
      continue;
    }
    if (n == '-') {
      out += "%20";
      continue;
    }
    size_t close = s.find('}', i);
    std::string_view body = s.substr(i + 1, close - i - 1);
    i = close;
    char letter = body[0];
    bool upper = letter >= 'A' && letter <= 'Z';
    std::string value = letter_value(static_cast<char>(letter | 0x20), ctx);
    size_t j = 1;
    int keep = 0;
    while (j < body.size() && body[j] >= '0' && body[j] <= '9') keep = keep * 10 + (body[j++] - '0');
    bool reverse = j < body.size() && (body[j] == 'r' || body[j] == 'R');
    if (reverse) ++j;
    std::string_view delims = body.substr(j);
    if (delims.empty()) delims = ".";
    std::vector<std::string> parts;
    std::string cur;
    for (char ch : value) {
      if (delims.find(ch) != std::string_view::npos) {
        parts.push_back(std::move(cur));
        cur.clear();
      } else {
        cur += ch;
      }
    }
    parts.push_back(std::move(cur));
    if (reverse) std::reverse(parts.begin(), parts.end());
    size_t first =
        keep > 0 && static_cast<size_t>(keep) < parts.size() ? parts.size() - static_cast<size_t>(keep) : 0;
    std::string joined;
    for (size_t k = first; k < parts.size(); ++k) joined += (k == first ? "" : ".") + parts[k];
    if (upper) {
      std::string esc;
      static const char* hex = "0123456789ABCDEF";
      for (unsigned char ch : joined) {
        if (unreserved(ch)) {
          esc += static_cast<char>(ch);
        } else {
          esc += '%';
          esc += hex[ch >> 4];
          esc += hex[ch & 15];
        }
      }
      joined = std::move(esc);
    }
    out += joined;
  }
  if (out.size() > kMaxSpfMacroOutput) return Error::perm("macro expansion too long");
  return explanation ? out : truncate_domain(out);
}

}  // namespace postern
