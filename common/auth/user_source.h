// Where users and their stored passwords come from: a Dovecot passwd-file (re-read when its
// inode, size or mtime change, checked on every lookup with one stat) or a Mail-in-a-Box style
// SQLite database (read-only, one indexed query per lookup, so changes show at once). Lookups are
// thread-safe. A source that cannot be read gives a temporary error (the login is tempfailed, not
// refused); a passwd-file that becomes unreadable keeps serving its last good contents, logged once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"
#include "common/log/log.h"

namespace postern {

class UserSource {
 public:
  virtual ~UserSource() = default;
  // The stored password ("{SCHEME}..." or bare crypt) of user, or nullopt when there is no such user.
  virtual Result<std::optional<std::string>> password_of(std::string_view user) = 0;
  virtual std::string describe() const = 0;
};

std::unique_ptr<UserSource> make_passwd_file_source(std::string path, std::shared_ptr<Logger> log);
std::unique_ptr<UserSource> make_sqlite_user_source(std::string path, std::shared_ptr<Logger> log);
// Asks each source in turn; the first that knows the user answers. An error of one source is
// returned only if no later source knows the user.
std::unique_ptr<UserSource> make_chained_source(std::vector<std::unique_ptr<UserSource>> sources);

}  // namespace postern
