// Parser for OpenDKIM-style SigningTable files (the refile form) and the pattern matching they use:
//
//   # comment
//   *@example.com        example
//   *@*.example.com      example      (any subdomain)
//   boss@example.org     boss-key
//   example.net          net-key      (no '@' and no '*': the From: domain, exactly)
//
// A line is a PATTERN and a key NAME (from the KeyTable), separated by white space. '*' in a
// pattern matches any run of characters (including none); matching is case-insensitive against
// the whole From: address "local@domain". A pattern with neither '@' nor '*' names a domain and is
// compared with the address's domain. The file is untrusted as far as parsing goes: bounded by
// kMaxSigningTableBytes, kMaxSigningTableLine, kMaxSigningTableEntries and kMaxPatternLength;
// problems are reported with line numbers, bad lines skipped. Pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace postern {

inline constexpr size_t kMaxSigningTableBytes = 16 * 1024 * 1024;
inline constexpr size_t kMaxSigningTableLine = 4096;
inline constexpr size_t kMaxSigningTableEntries = 100000;
inline constexpr size_t kMaxPatternLength = 512;
inline constexpr size_t kMaxPatternStars = 8;

struct SigningTableEntry {
  std::string pattern;   // lower-case
  std::string key_name;  // lower-case
  int line = 0;
};

struct SigningTableParse {
  std::vector<SigningTableEntry> entries;  // in file order
  std::vector<std::string> errors;         // "LINE: message"
};

SigningTableParse parse_signing_table(std::string_view text);

// Checks one pattern's syntax (printable ASCII, no white space, at most kMaxPatternLength bytes and
// kMaxPatternStars '*'). "" when valid, otherwise why not.
std::string signing_pattern_error(std::string_view pattern);

// Does address ("local@domain", any case) match pattern (as described above)? Runs in
// O(len(pattern) * len(address)) at worst, without recursion.
bool signing_pattern_matches(std::string_view pattern, std::string_view address);

}  // namespace postern
