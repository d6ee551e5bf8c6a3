// Implements parse_login_map. Contract in login_map.h.
#include "common/sender/login_map.h"

namespace postern {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

bool printable_token(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x21 || c == 0x7f) return false;
  }
  return true;
}

void parse_logical_line(std::string_view line, int lineno, LoginMapParse& out) {
  size_t i = 0;
  while (i < line.size() && is_space(line[i])) ++i;
  if (i == line.size() || line[i] == '#') return;
  size_t key_end = i;
  while (key_end < line.size() && !is_space(line[key_end])) ++key_end;
  LoginMapEntry e;
  e.line = lineno;
  e.key = std::string(line.substr(i, key_end - i));
  auto err = [&](const std::string& m) { out.errors.push_back(std::to_string(lineno) + ": " + m); };
  if (!printable_token(e.key)) return err("key contains control characters");
  if (e.key.find('@') == std::string::npos)
    return err("key '" + e.key + "' is neither an address nor @domain");
  std::string cur;
  auto flush = [&]() -> bool {
    if (cur.empty()) return true;
    if (cur.size() > kMaxLoginLength) {
      err("login longer than " + std::to_string(kMaxLoginLength) + " bytes");
      return false;
    }
    if (e.logins.size() >= kMaxLoginsPerKey) {
      err("more than " + std::to_string(kMaxLoginsPerKey) + " logins for one key");
      return false;
    }
    e.logins.push_back(std::move(cur));
    cur.clear();
    return true;
  };
  for (size_t j = key_end; j < line.size(); ++j) {
    char c = line[j];
    if (is_space(c) || c == ',') {
      if (!flush()) return;
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return err("control character in login list");
    } else {
      cur.push_back(c);
    }
  }
  if (!flush()) return;
  if (e.logins.empty()) return err("key '" + e.key + "' has no logins");
  out.entries.push_back(std::move(e));
}

}  // namespace

LoginMapParse parse_login_map(std::string_view text) {
  LoginMapParse out;
  if (text.size() > kMaxLoginMapBytes) {
    out.errors.push_back("0: file larger than " + std::to_string(kMaxLoginMapBytes) + " bytes");
    return out;
  }
  std::string logical;
  int logical_line = 0;
  int lineno = 0;
  bool too_long = false;
  size_t pos = 0;
  auto finish = [&]() {
    if (logical_line == 0) return;
    if (too_long) {
      out.errors.push_back(std::to_string(logical_line) + ": line longer than " +
                           std::to_string(kMaxLoginMapLine) + " bytes");
    } else {
      parse_logical_line(logical, logical_line, out);
    }
    logical.clear();
    logical_line = 0;
    too_long = false;
  };
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    ++lineno;
    if (line.find('\0') != std::string_view::npos) {
      finish();
      out.errors.push_back(std::to_string(lineno) + ": NUL byte");
    } else {
      bool continuation = !line.empty() && is_space(line[0]) && logical_line != 0;
      bool blank_or_comment = true;
      for (char c : line) {
        if (!is_space(c)) {
          blank_or_comment = c == '#';
          break;
        }
      }
      if (continuation && !blank_or_comment) {
        if (logical.size() + line.size() + 1 > kMaxLoginMapLine)
          too_long = true;
        else
          logical.append(" ").append(line);
      } else if (!blank_or_comment) {
        finish();
        logical_line = lineno;
        if (line.size() > kMaxLoginMapLine)
          too_long = true;
        else
          logical.assign(line);
      }
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  finish();
  return out;
}

}  // namespace postern
