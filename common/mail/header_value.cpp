// Header values in libmilter's LF form; see header_value.h for the contract.
#include "common/mail/header_value.h"

#include <vector>

namespace postern {

std::string header_value_lf(std::string_view value) {
  // Split into lines at CR LF, LF or a lone CR; clean each line.
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < value.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < value.size() && value[i + 1] == '\n') ++i;
      lines.emplace_back();
      continue;
    }
    lines.back().push_back((c < 0x20 && c != '\t') || c == 0x7f ? ' ' : static_cast<char>(c));
  }
  std::string out;
  out.reserve(value.size() + lines.size());
  for (std::size_t n = 0; n < lines.size(); ++n) {
    const std::string& l = lines[n];
    if (n == 0) {
      out += l;
      continue;
    }
    if (l.find_first_not_of(" \t") == std::string::npos) continue;  // empty continuation line
    out += '\n';
    if (l[0] != ' ' && l[0] != '\t') out += '\t';
    out += l;
  }
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  return out;
}

}  // namespace postern
