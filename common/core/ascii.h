// ASCII case folding for protocol tokens (domains, addresses, DNS names): only A-Z change, every
// other byte (including UTF-8) is kept, so the result is locale-independent.
#pragma once

#include <string>
#include <string_view>

namespace postern {

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

}  // namespace postern
