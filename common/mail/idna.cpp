// Implements domain_to_alabels. Contract in idna.h.
// Label by label: ASCII letters lower-cased first (libidn2 treats upper case as disallowed), then
// idn2_lookup_u8 with NFC and without TR46 (which would fold width and case), its default A-label
// round-trip check rejecting invalid punycode; the U-label form is then checked for mixed scripts.
#include "common/mail/idna.h"

#include <idn2.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "common/core/ascii.h"

namespace postern {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

enum class Script { other, latin, greek, cyrillic, armenian, georgian, cherokee };

Script script_of(char32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == 0xAA || c == 0xBA ||
      (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7) || (c >= 0x250 && c <= 0x2AF) ||
      (c >= 0x1E00 && c <= 0x1EFF) || (c >= 0x2C60 && c <= 0x2C7F) || (c >= 0xA720 && c <= 0xA7FF) ||
      (c >= 0xAB30 && c <= 0xAB6F))
    return Script::latin;
  if ((c >= 0x370 && c <= 0x3FF) || (c >= 0x1F00 && c <= 0x1FFF)) return Script::greek;
  if ((c >= 0x400 && c <= 0x52F) || (c >= 0x1C80 && c <= 0x1C8F) || (c >= 0x2DE0 && c <= 0x2DFF) ||
      (c >= 0xA640 && c <= 0xA69F))
    return Script::cyrillic;
  if (c >= 0x531 && c <= 0x58F) return Script::armenian;
  if ((c >= 0x10A0 && c <= 0x10FF) || (c >= 0x2D00 && c <= 0x2D2F)) return Script::georgian;
  if ((c >= 0x13A0 && c <= 0x13FF) || (c >= 0xAB70 && c <= 0xABBF)) return Script::cherokee;
  return Script::other;
}

// Code points of valid UTF-8 (libidn2 has already rejected invalid sequences; anything odd here
// still only ends the scan).
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) break;
    char32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

bool mixes_scripts(std::string_view ulabel) {
  Script seen = Script::other;
  for (char32_t c : code_points(ulabel)) {
    Script s = script_of(c);
    if (s == Script::other) continue;
    if (seen != Script::other && s != seen) return true;
    seen = s;
  }
  return false;
}

bool is_ascii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

Result<std::string> label_to_alabel(std::string_view label) {
  if (label.empty()) return Error::perm("empty label");
  std::string in = ascii_lower(label);
  const bool ascii = is_ascii(in);
  if (ascii && in.rfind("xn--", 0) != 0) {
    if (in.size() > kMaxDnsLabel) return Error::perm("label longer than " + std::to_string(kMaxDnsLabel));
    return in;  // a plain LDH (or other ASCII) label: only case matters
  }
  uint8_t* raw = nullptr;
  int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(in.c_str()), &raw, IDN2_NFC_INPUT | IDN2_NO_TR46);
  std::unique_ptr<uint8_t, FreeDeleter> out(raw);
  if (rc != IDN2_OK) {
    return Error::perm(std::string(ascii ? "invalid A-label: " : "invalid U-label: ") + idn2_strerror(rc));
  }
  std::string alabel(reinterpret_cast<const char*>(out.get()));
  if (alabel.size() > kMaxDnsLabel) return Error::perm("label longer than " + std::to_string(kMaxDnsLabel));
  std::string ulabel = in;
  if (ascii) {
    char* u = nullptr;
    int urc = idn2_to_unicode_8z8z(alabel.c_str(), &u, 0);
    std::unique_ptr<char, FreeDeleter> uown(u);
    if (urc != IDN2_OK || !u) return Error::perm(std::string("invalid A-label: ") + idn2_strerror(urc));
    ulabel = u;
  }
  if (mixes_scripts(ulabel)) return Error::perm("label mixes scripts");
  return alabel;
}

}  // namespace

Result<std::string> domain_to_alabels(std::string_view domain) {
  if (domain.empty()) return Error::perm("empty domain");
  if (domain.size() > kMaxIdnDomainInput)
    return Error::perm("domain longer than " + std::to_string(kMaxIdnDomainInput) + " bytes");
  if (domain.find('\0') != std::string_view::npos) return Error::perm("NUL in domain");
  if (domain.front() == '[') {
    if (domain.size() > kMaxDnsName)
      return Error::perm("domain literal longer than " + std::to_string(kMaxDnsName));
    if (domain.size() < 3 || domain.back() != ']') return Error::perm("unterminated domain literal");
    for (unsigned char c : domain.substr(1, domain.size() - 2)) {
      if (c <= 0x20 || c >= 0x7f || c == '[' || c == ']' || c == '\\')
        return Error::perm("bad character in a domain literal");
    }
    return ascii_lower(domain);
  }
  std::string out;
  size_t start = 0;
  while (true) {
    size_t dot = domain.find('.', start);
    std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    auto a = label_to_alabel(label);
    if (!a) return a.error();
    if (!out.empty()) out.push_back('.');
    out += *a;
    if (out.size() > kMaxDnsName) return Error::perm("domain longer than " + std::to_string(kMaxDnsName));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

}  // namespace postern
