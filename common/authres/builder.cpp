// Authentication-Results builder; see builder.h for the contract.
#include "common/authres/builder.h"

#include <algorithm>

namespace postern::authres {
namespace {

bool is_token_char(unsigned char c) {
  if (c <= 0x20 || c >= 0x7f) return false;
  static constexpr std::string_view kSpecials = "()<>,;:\\\"/[]?=";
  return kSpecials.find(static_cast<char>(c)) == std::string_view::npos;
}

std::string clean(std::string_view in) {
  std::string out;
  for (unsigned char c : in.substr(0, kMaxValueBytes)) {
    if (c < 0x20 || c == 0x7f) continue;
    out.push_back(static_cast<char>(c));
  }
  return out;
}

std::string quoted(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// A value stays bare when it is a token, or a local-part@domain made of token characters.
std::string value(std::string_view raw) {
  std::string v = clean(raw);
  bool bare = !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return is_token_char(static_cast<unsigned char>(c)) || c == '@';
  });
  return bare ? v : quoted(v);
}

std::string keyword(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_')
      out.push_back(c);
  }
  return out.empty() ? std::string("unknown") : out;
}

}  // namespace

std::string build_value(std::string_view authserv_id, const std::vector<MethodResult>& results) {
  std::string out = value(authserv_id);
  out += ";";
  if (results.empty()) return out + " none";
  std::size_t n = 0;
  for (const auto& r : results) {
    if (n++ == kMaxResults) break;
    if (n > 1) out += ";";
    out += "\r\n\t" + keyword(r.method) + "=" + to_string(r.result);
    if (!r.reason.empty()) out += " reason=" + quoted(clean(r.reason));
    for (const auto& [k, v] : r.properties) out += " " + keyword(k) + "=" + value(v);
  }
  return out;
}

}  // namespace postern::authres
