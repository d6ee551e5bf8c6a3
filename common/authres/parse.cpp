// Authentication-Results authserv-id parser; see parse.h for the contract.
#include "common/authres/parse.h"

namespace postern::authres {
namespace {

bool token_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  static constexpr std::string_view kSpecials = "()<>,;:\\\"/[]?=";
  return kSpecials.find(static_cast<char>(c)) == std::string_view::npos;
}

// Skips folding white space and (nested) comments; false on a malformed comment.
bool skip_cfws(std::string_view s, std::size_t& i) {
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {
      int depth = 0;
      while (i < s.size()) {
        if (s[i] == '\\') {
          i += 2;
          continue;
        }
        if (s[i] == '(' && ++depth > kMaxCommentDepth) return false;
        if (s[i] == ')' && --depth == 0) break;
        ++i;
      }
      if (i >= s.size()) return false;
      ++i;
    } else {
      break;
    }
  }
  return true;
}

}  // namespace

Result<std::string> parse_authserv_id(std::string_view s) {
  if (s.size() > kMaxHeaderBytes) return Error::perm("authentication-results header too long");
  std::size_t i = 0;
  if (!skip_cfws(s, i)) return Error::perm("malformed comment");
  std::string id;
  if (i < s.size() && s[i] == '"') {
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && ++i >= s.size()) break;
      id.push_back(s[i]);
    }
    if (i >= s.size()) return Error::perm("unterminated quoted authserv-id");
    ++i;
  } else {
    while (i < s.size() && token_char(static_cast<unsigned char>(s[i]))) id.push_back(s[i++]);
  }
  if (id.empty()) return Error::perm("missing authserv-id");
  if (!skip_cfws(s, i)) return Error::perm("malformed comment");
  if (i < s.size() && s[i] >= '0' && s[i] <= '9') {  // optional authres-version
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (!skip_cfws(s, i)) return Error::perm("malformed comment");
  }
  if (i < s.size() && s[i] != ';') return Error::perm("junk after authserv-id");
  return id;
}

}  // namespace postern::authres
