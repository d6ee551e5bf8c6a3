// Implements Allowlist. Contract in allowlist.h.
#include "common/greylist/allowlist.h"

#include <algorithm>

#include "common/core/ascii.h"

namespace postern {
namespace {

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

}  // namespace

bool domain_matches(std::string_view name, std::string_view domain) {
  if (name.size() == domain.size()) return name == domain;
  return name.size() > domain.size() && name.substr(name.size() - domain.size()) == domain &&
         name[name.size() - domain.size() - 1] == '.';
}

std::string Allowlist::add_client(std::string_view e) {
  if (size() >= kMaxAllowlistEntries) return "too many allowlist entries";
  if (e.size() >= 2 && e.front() == '/' && e.back() == '/') {
    if (e.size() - 2 > kMaxAllowlistRegexLength)
      return "regex longer than " + std::to_string(kMaxAllowlistRegexLength);
    // libstdc++'s regex compiler overflows on huge back-reference numbers and repeat counts;
    // host-name patterns need neither, so refuse them before compiling.
    std::string_view body = e.substr(1, e.size() - 2);
    bool in_braces = false;
    size_t digits = 0;
    for (size_t i = 0; i < body.size(); ++i) {
      char ch = body[i];
      if (ch == '\\' && i + 1 < body.size()) {
        if (body[i + 1] >= '0' && body[i + 1] <= '9')
          return "back-references are not supported in " + std::string(e);
        ++i;
        continue;
      }
      if (ch == '{') in_braces = true;
      if (ch == '}') in_braces = false;
      digits = (in_braces && ch >= '0' && ch <= '9') ? digits + 1 : 0;
      if (digits > 4) return "repeat count too large in " + std::string(e);
    }
    try {
      regexes_.emplace_back(std::string(e.substr(1, e.size() - 2)),
                            std::regex::ECMAScript | std::regex::icase | std::regex::nosubs);
    } catch (const std::regex_error&) {
      return "bad regex " + std::string(e);
    }
    return "";
  }
  if (auto net = IpNetwork::parse(e)) {
    networks_.push_back(*net);
    return "";
  }
  // postgrey also accepts partial IPv4 prefixes like "192.0.2" (a /24).
  if (!e.empty() &&
      std::all_of(e.begin(), e.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    int dots = static_cast<int>(std::count(e.begin(), e.end(), '.'));
    if (dots >= 0 && dots < 3) {
      std::string full(e);
      for (int i = dots; i < 3; ++i) full += ".0";
      if (auto net = IpNetwork::parse(full + "/" + std::to_string(8 * (dots + 1)))) {
        networks_.push_back(*net);
        return "";
      }
    }
    return "bad address " + std::string(e);
  }
  if (!valid_name(e)) return "not an address, network, name or /regex/: " + std::string(e);
  names_.push_back(ascii_lower(e));
  return "";
}

std::string Allowlist::add_recipient(std::string_view e) {
  if (e.find('@') == std::string_view::npos) {
    if (!valid_name(e)) return "bad recipient entry " + std::string(e);
    recipients_.push_back("@" + ascii_lower(e));  // postgrey: a bare domain means the whole domain
    return "";
  }
  recipients_.push_back(ascii_lower(e));
  return "";
}

std::string Allowlist::add_sender_domain(std::string_view d) {
  if (!valid_name(d)) return "bad sender domain " + std::string(d);
  senders_.push_back(ascii_lower(d));
  return "";
}

std::vector<std::string> Allowlist::add_client_file_text(std::string_view text) {
  std::vector<std::string> errors;
  if (text.size() > kMaxAllowlistBytes) {
    errors.push_back("0: file larger than " + std::to_string(kMaxAllowlistBytes) + " bytes");
    return errors;
  }
  size_t pos = 0;
  int lineno = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++lineno;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
      line.remove_suffix(1);
    if (line.empty()) continue;
    std::string err = add_client(line);
    if (!err.empty()) errors.push_back(std::to_string(lineno) + ": " + err);
  }
  return errors;
}

bool Allowlist::client_allowed(const IpAddress& ip, std::string_view verified_name) const {
  for (const auto& n : networks_) {
    if (n.contains(ip)) return true;
  }
  if (verified_name.empty()) return false;
  std::string name = ascii_lower(verified_name);
  for (const auto& d : names_) {
    if (domain_matches(name, d)) return true;
  }
  for (const auto& re : regexes_) {
    if (std::regex_search(name, re)) return true;
  }
  return false;
}

bool Allowlist::recipient_allowed(std::string_view recipient) const {
  std::string r = ascii_lower(recipient);
  size_t at = r.rfind('@');
  std::string domain = at == std::string::npos ? "" : r.substr(at);
  for (const auto& e : recipients_) {
    if (e == r || (!domain.empty() && e == domain)) return true;
  }
  return false;
}

bool Allowlist::sender_domain_allowed(std::string_view sender) const {
  size_t at = sender.rfind('@');
  if (at == std::string_view::npos) return false;
  std::string domain = ascii_lower(sender.substr(at + 1));
  for (const auto& d : senders_) {
    if (domain_matches(domain, d)) return true;
  }
  return false;
}

}  // namespace postern
