// Implements parse_passwd_file. Contract in passwd_file.h.
#include "common/auth/passwd_file.h"

namespace postern {

Result<PasswdFile> parse_passwd_file(std::string_view text) {
  if (text.size() > kMaxPasswdFileSize) return Error::perm("passwd-file larger than 256 MiB");
  PasswdFile out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto warn = [&](const char* what) {
      if (out.warnings.size() < 100) out.warnings.push_back("line " + std::to_string(line_no) + ": " + what);
    };
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    if (line.size() > kMaxPasswdFileLine) {
      warn("line too long, skipped");
      continue;
    }
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) {
      warn("no password field, skipped");
      continue;
    }
    std::string_view user = line.substr(0, c1);
    size_t c2 = line.find(':', c1 + 1);
    std::string_view password =
        line.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1);
    if (user.empty() || user.size() > kMaxUserName) {
      warn("empty or too long user name, skipped");
      continue;
    }
    bool bad = false;
    for (char c : user) bad |= static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (bad) {
      warn("control character in user name, skipped");
      continue;
    }
    if (password.empty()) {
      warn("empty password field, skipped");
      continue;
    }
    if (out.passwords.size() >= kMaxPasswdFileUsers) return Error::perm("more than 2000000 users");
    if (!out.passwords.emplace(std::string(user), std::string(password)).second)
      warn("duplicate user, first line kept");
  }
  return out;
}

}  // namespace postern
