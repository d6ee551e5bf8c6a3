// Greylisting allowlists: client addresses and networks, client host names (by domain suffix,
// trusted only when forward-confirmed), recipients (address or @domain) and sender domains. Also
// reads postgrey's whitelist files (postgrey_whitelist_clients / _recipients format): one entry per
// line, '#' comments, an IP or CIDR, a host or domain name (matching it and its subdomains), or a
// /regex/ (matched case-insensitively against the client name). Files are untrusted text: bounded
// by kMaxAllowlistBytes and kMaxAllowlistEntries, bad lines reported with their line numbers.
#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/net/ip.h"

namespace postern {

inline constexpr size_t kMaxAllowlistBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxAllowlistEntries = 100000;
inline constexpr size_t kMaxAllowlistRegexLength = 256;

class Allowlist {
 public:
  // Each add_* returns an error message for an entry it cannot use ("" when accepted).
  std::string add_client(std::string_view entry);     // IP, CIDR, /regex/ or host/domain name
  std::string add_recipient(std::string_view entry);  // address or @domain
  std::string add_sender_domain(std::string_view domain);
  // Adds every entry of a postgrey client-style file; returns "LINE: message" for bad lines.
  std::vector<std::string> add_client_file_text(std::string_view text);

  bool client_allowed(const IpAddress& ip, std::string_view verified_name) const;
  bool recipient_allowed(std::string_view recipient) const;
  bool sender_domain_allowed(std::string_view sender) const;
  size_t size() const {
    return networks_.size() + names_.size() + regexes_.size() + recipients_.size() + senders_.size();
  }

 private:
  std::vector<IpNetwork> networks_;
  std::vector<std::string> names_;  // lower-case domain names
  std::vector<std::regex> regexes_;
  std::vector<std::string> recipients_;  // lower-case addresses or @domains
  std::vector<std::string> senders_;     // lower-case domains
};

// True when name equals domain or ends in "." + domain (both lower-case).
bool domain_matches(std::string_view name, std::string_view domain);

}  // namespace postern
