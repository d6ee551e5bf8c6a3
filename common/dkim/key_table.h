// Parser for OpenDKIM-style KeyTable files, for admins migrating from OpenDKIM:
//
//   # comment
//   mail2024._domainkey.example.com   example.com:mail2024:/etc/postern/dkim/example.com.mail2024.key
//   default                           %:mail:/etc/postern/dkim/default.key
//
// A line is a key NAME and a value DOMAIN:SELECTOR:KEYFILE, separated by white space. DOMAIN may be
// "%", which stands for the domain of the From: address at signing time (as in OpenDKIM). KEYFILE
// must be an absolute path (inline key data is not supported). The file is untrusted as far as
// parsing goes: it is bounded by kMaxKeyTableBytes, kMaxKeyTableLine and kMaxKeyTableEntries, and
// every problem is reported with its line number; a bad line is skipped, the rest still parsed.
// Pure function; names and domains are lower-cased, selectors and paths kept as written.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postern {

inline constexpr size_t kMaxKeyTableBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxKeyTableLine = 4096;
inline constexpr size_t kMaxKeyTableEntries = 100000;
inline constexpr size_t kMaxDkimDomainLength = 253;
inline constexpr size_t kMaxDkimSelectorLength = 63 * 4;
inline constexpr size_t kMaxKeyPathLength = 1024;

struct KeyTableEntry {
  std::string name;      // lower-case
  std::string domain;    // lower-case, or "%" for the From: domain
  std::string selector;  // as written
  std::string key_file;  // absolute path
  int line = 0;
};

struct KeyTableParse {
  std::vector<KeyTableEntry> entries;
  std::vector<std::string> errors;  // "LINE: message"
};

KeyTableParse parse_key_table(std::string_view text);

// Syntax checks shared with the signing table and the [dkim] config: a DNS domain name (letters,
// digits, '-', '_', dots between non-empty labels of at most 63 bytes) and a selector (the same,
// as it is one or more labels under _domainkey).
bool valid_dkim_domain(std::string_view d);
bool valid_dkim_selector(std::string_view s);

}  // namespace postern
