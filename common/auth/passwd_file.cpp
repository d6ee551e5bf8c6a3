// Implements parse_passwd_file. Contract in passwd_file.h.
#include "common/auth/passwd_file.h"

#include <optional>

#include "common/core/lines.h"

namespace postern {

Result<PasswdFile> parse_passwd_file(std::string_view text) {
  if (text.size() > kMaxPasswdFileSize) return Error::perm("passwd-file larger than 256 MiB");
  PasswdFile out;
  std::optional<Error> error;
  for_each_line(text, [&](size_t line_no, std::string_view line) {
    auto warn = [&](const char* what) {
      if (out.warnings.size() < 100) out.warnings.push_back("line " + std::to_string(line_no) + ": " + what);
      return true;
    };
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') return true;
    if (line.size() > kMaxPasswdFileLine) return warn("line too long, skipped");
    size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) return warn("no password field, skipped");
    std::string_view user = line.substr(0, c1);
    size_t c2 = line.find(':', c1 + 1);
    std::string_view password =
        line.substr(c1 + 1, c2 == std::string_view::npos ? std::string_view::npos : c2 - c1 - 1);
    if (user.empty() || user.size() > kMaxUserName) return warn("empty or too long user name, skipped");
    bool bad = false;
    for (char c : user) bad |= static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    if (bad) return warn("control character in user name, skipped");
    if (password.empty()) return warn("empty password field, skipped");
    if (out.passwords.size() >= kMaxPasswdFileUsers) {
      error = Error::perm("more than 2000000 users");
      return false;
    }
    if (!out.passwords.emplace(std::string(user), std::string(password)).second)
      warn("duplicate user, first line kept");
    return true;
  });
  if (error) return *error;
  return out;
}

}  // namespace postern
