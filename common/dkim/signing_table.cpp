// Implements parse_signing_table and the pattern matcher. Contract in signing_table.h.
#include "common/dkim/signing_table.h"

#include <algorithm>

#include "common/core/ascii.h"

namespace postern {
namespace {

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

// Glob match with '*' only: the classic linear backtracking to the last star.
bool glob(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0, star = std::string_view::npos, mark = 0;
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < p.size() && lower(p[pi]) == lower(s[si])) {
      ++pi;
      ++si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

std::string signing_pattern_error(std::string_view pattern) {
  if (pattern.empty()) return "empty pattern";
  if (pattern.size() > kMaxPatternLength)
    return "pattern longer than " + std::to_string(kMaxPatternLength) + " bytes";
  for (char c : pattern) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return "pattern has a control, space or non-ASCII character";
  }
  if (static_cast<size_t>(std::count(pattern.begin(), pattern.end(), '*')) > kMaxPatternStars)
    return "pattern has more than " + std::to_string(kMaxPatternStars) + " '*'";
  return "";
}

bool signing_pattern_matches(std::string_view pattern, std::string_view address) {
  if (pattern.find('@') == std::string_view::npos && pattern.find('*') == std::string_view::npos) {
    size_t at = address.rfind('@');
    std::string_view domain = at == std::string_view::npos ? address : address.substr(at + 1);
    return ascii_lower(domain) == ascii_lower(pattern);
  }
  return glob(pattern, address);
}

SigningTableParse parse_signing_table(std::string_view text) {
  SigningTableParse out;
  if (text.size() > kMaxSigningTableBytes) {
    out.errors.push_back("0: signing table is larger than " + std::to_string(kMaxSigningTableBytes) +
                         " bytes");
    return out;
  }
  int line_no = 0;
  size_t pos = 0;
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    auto err = [&](const std::string& m) { out.errors.push_back(std::to_string(line_no) + ": " + m); };
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxSigningTableLine) {
      err("line longer than " + std::to_string(kMaxSigningTableLine) + " bytes");
      continue;
    }
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size() && words.size() < 3) {
      while (i < line.size() && is_space(line[i])) ++i;
      size_t j = i;
      while (j < line.size() && !is_space(line[j])) ++j;
      if (j > i) words.push_back(line.substr(i, j - i));
      i = j;
    }
    if (words.empty()) continue;
    if (words.size() != 2) {
      err("expected PATTERN KEYNAME");
      continue;
    }
    if (auto e = signing_pattern_error(words[0]); !e.empty()) {
      err(e);
      continue;
    }
    if (out.entries.size() >= kMaxSigningTableEntries) {
      err("more than " + std::to_string(kMaxSigningTableEntries) + " entries");
      break;
    }
    out.entries.push_back({ascii_lower(words[0]), ascii_lower(words[1]), line_no});
  }
  return out;
}

}  // namespace postern
