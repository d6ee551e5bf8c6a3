// Implements the header field checks. Contract in header_field.h.
#include "common/dkim/header_field.h"

#include <algorithm>

namespace postern {

bool valid_field_name(std::string_view n) {
  if (n.empty() || n.size() > 256) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && u != ':';
  });
}

std::string header_line(std::string_view name, std::string_view value) {
  std::string h;
  h.reserve(name.size() + value.size() + 8);
  h.append(name);
  h.push_back(':');
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '\n' && (i == 0 || value[i - 1] != '\r')) h.push_back('\r');
    h.push_back(c);
  }
  return h;
}

// A header value holding a CR that does not start a CR LF, or a NUL: RFC 5322 allows neither, and
// libopendkim 2.11 corrupted its heap after such a DKIM-Signature under the fuzzer (dkim_eoh,
// docs/fuzzing.md). Such a field is never handed to libopendkim: a signature in it does not exist
// for the verifier, a signature covering it fails.
bool has_bare_cr_or_nul(std::string_view v) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\0') return true;
    if (v[i] == '\r' && (i + 1 >= v.size() || v[i + 1] != '\n')) return true;
  }
  return false;
}

// A DKIM-Signature whose h= list holds something other than field names (RFC 6376 §3.5: field
// names separated by ':', folding white space around them) is not handed to libopendkim either:
// libFuzzer found libopendkim 2.11 freeing memory it never allocated in dkim_eoh after such lists
// (an entry with white space inside it, "from : t  o"). Such a signature cannot verify anyway.
bool has_malformed_h_tag(std::string_view value) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  size_t at = 0;
  while (at <= value.size()) {
    size_t semi = value.find(';', at);
    std::string_view spec =
        value.substr(at, semi == std::string_view::npos ? std::string_view::npos : semi - at);
    size_t eq = spec.find('=');
    if (eq != std::string_view::npos) {
      std::string_view name = spec.substr(0, eq);
      while (!name.empty() && ws(name.front())) name.remove_prefix(1);
      while (!name.empty() && ws(name.back())) name.remove_suffix(1);
      if (name == "h") {
        std::string_view list = spec.substr(eq + 1);
        size_t from = 0;
        while (true) {
          size_t colon = list.find(':', from);
          std::string_view item =
              list.substr(from, colon == std::string_view::npos ? std::string_view::npos : colon - from);
          while (!item.empty() && ws(item.front())) item.remove_prefix(1);
          while (!item.empty() && ws(item.back())) item.remove_suffix(1);
          if (item.empty()) return true;
          for (char c : item) {
            auto u = static_cast<unsigned char>(c);
            if (u <= 0x20 || u >= 0x7f) return true;
          }
          if (colon == std::string_view::npos) break;
          from = colon + 1;
        }
      }
    }
    if (semi == std::string_view::npos) break;
    at = semi + 1;
  }
  return false;
}

}  // namespace postern
