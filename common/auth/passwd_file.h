// Parses a Dovecot passwd-file: one "user:password[:uid:gid:gecos:home:shell:extra_fields]" per
// line, '#' comments and blank lines ignored. Only the user and password fields are used (the
// userdb stays the admin's). Pure function over untrusted bytes, bounded by kMaxPasswdFileSize,
// kMaxPasswdFileLine and kMaxPasswdFileUsers; a bad line is skipped with a warning naming its line
// number (never its content, which may hold a password), a duplicate user keeps its first line.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxPasswdFileSize = 256u * 1024 * 1024;
inline constexpr size_t kMaxPasswdFileLine = 8192;
inline constexpr size_t kMaxPasswdFileUsers = 2000000;
inline constexpr size_t kMaxUserName = 320;

struct PasswdFile {
  std::unordered_map<std::string, std::string> passwords;  // user -> stored password
  std::vector<std::string> warnings;
};

Result<PasswdFile> parse_passwd_file(std::string_view text);

}  // namespace postern
