// Authentication-Results claim check; see claim.h for the contract.
#include "common/authres/claim.h"

#include <strings.h>

#include <cstddef>
#include <initializer_list>

#include "common/authres/parse.h"

namespace postern::authres {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Length of the UTF-8 encoded Unicode white space (or invisible format character that readers
// strip, such as U+200B and U+FEFF) at the start of s, or 0.
std::size_t unicode_space(std::string_view s) {
  static constexpr std::string_view kSpaces[] = {
      "\xC2\x85",      // U+0085 next line
      "\xC2\xA0",      // U+00A0 no-break space
      "\xE1\x9A\x80",  // U+1680 ogham space mark
      "\xE1\xA0\x8E",  // U+180E mongolian vowel separator
      "\xE2\x80\xA8",  // U+2028 line separator
      "\xE2\x80\xA9",  // U+2029 paragraph separator
      "\xE2\x80\xAF",  // U+202F narrow no-break space
      "\xE2\x81\x9F",  // U+205F medium mathematical space
      "\xE2\x81\xA0",  // U+2060 word joiner
      "\xE3\x80\x80",  // U+3000 ideographic space
      "\xEF\xBB\xBF",  // U+FEFF byte order mark / zero-width no-break space
  };
  for (std::string_view sp : kSpaces)
    if (s.substr(0, sp.size()) == sp) return sp.size();
  // U+2000..U+200D: the typographic spaces, zero-width space, joiners.
  if (s.size() >= 3 && static_cast<unsigned char>(s[0]) == 0xE2 && static_cast<unsigned char>(s[1]) == 0x80 &&
      static_cast<unsigned char>(s[2]) >= 0x80 && static_cast<unsigned char>(s[2]) <= 0x8D)
    return 3;
  return 0;
}

bool ascii_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

// Skips ASCII and Unicode white space and (unnested or nested, possibly unterminated) comments.
std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    if (ascii_space(s[i])) {
      ++i;
    } else if (std::size_t n = unicode_space(s.substr(i))) {
      i += n;
    } else if (s[i] == '(') {
      int depth = 0;
      for (; i < s.size(); ++i) {
        if (s[i] == '\\') {  // a quoted-pair: skip the next character, if there is one
          if (i + 1 >= s.size()) break;
          ++i;
          continue;
        }
        if (s[i] == '(') ++depth;
        if (s[i] == ')' && --depth == 0) break;
      }
      if (i < s.size()) ++i;  // past ')', or an unterminated comment ends the value
    } else {
      break;
    }
  }
  return i;
}

bool continues_name(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_';
}

// The value starts with ours and what follows cannot continue another name.
bool starts_with_id(std::string_view rest, std::string_view ours) {
  if (rest.size() < ours.size() || !iequals(rest.substr(0, ours.size()), ours)) return false;
  return rest.size() == ours.size() || !continues_name(rest[ours.size()]);
}

}  // namespace

bool claims_authserv_id(std::string_view value, std::string_view ours) {
  if (ours.empty()) return false;
  if (value.size() > kMaxHeaderBytes) value = value.substr(0, kMaxHeaderBytes);
  if (auto id = parse_authserv_id(value); id && iequals(*id, ours)) return true;
  std::size_t i = skip_space(value, 0);
  std::string_view rest = value.substr(i);
  if (starts_with_id(rest, ours)) return true;
  if (!rest.empty() && rest[0] == '"') {  // a quoted id, judged on its content without white space
    std::string_view inner = rest.substr(skip_space(rest, 1));
    if (starts_with_id(inner, ours)) return true;
    if (inner.size() > 0 && inner[0] == '\\') return starts_with_id(inner.substr(1), ours);
  }
  return false;
}

}  // namespace postern::authres
