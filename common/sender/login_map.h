// Parser for sender-ownership maps in the text format of Postfix's smtpd_sender_login_maps:
//
//   # comment
//   alice@example.org      alice@example.org
//   sales@example.org      alice@example.org, bob@example.org
//   @example.net           carol
//
// A line is a key (an address, or @domain for every address of a domain) and one or more logins
// separated by commas and/or white space; a line starting with white space continues the previous
// one. The file is untrusted input as far as parsing goes (an admin may point at anything): it is
// bounded by kMaxLoginMapBytes, kMaxLoginMapLine, kMaxLoginsPerKey, and every problem is reported
// with its line number. Pure function; keys are returned as written (normalised by OwnershipMap).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxLoginMapBytes = 64 * 1024 * 1024;
inline constexpr size_t kMaxLoginMapLine = 64 * 1024;  // after joining continuation lines
inline constexpr size_t kMaxLoginsPerKey = 1024;
inline constexpr size_t kMaxLoginLength = 320;

struct LoginMapEntry {
  std::string key;                  // "user@domain" or "@domain"
  std::vector<std::string> logins;  // as written
  int line = 0;
};

struct LoginMapParse {
  std::vector<LoginMapEntry> entries;
  std::vector<std::string> errors;  // "LINE: message"; entries with errors are skipped
};

LoginMapParse parse_login_map(std::string_view text);

}  // namespace postern
