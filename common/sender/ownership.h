// OwnershipMap: which authenticated logins may use which sender addresses (envelope MAIL FROM and
// the From:/Sender: header addresses). Built from login-map entries (login_map.h) and/or a
// Mail-in-a-Box users/aliases database (sqlite_source.h); immutable once built, so lookups from
// many milter threads need no locks.
//
// Rules, in order: an exempt login owns everything; a login owns the address equal to itself
// (when the login is an address); a login owns an address whose map entry lists it; with a
// recipient delimiter, "user+tag@d" is owned when "user@d" is; a "@domain" entry gives every
// address of the domain to its logins. Domains compare in their validated A-label form
// (common/mail/idna.h): "bücher.example" and "XN--BCHER-KVA.example" are one domain, a look-alike
// (other script, mixed scripts, invalid punycode) owns nothing. Local parts compare exactly
// unless local_part_case_insensitive is set. Nothing else is guessed: a display name, a comment or
// a quoted string that merely contains an owned address owns nothing (the caller parses headers
// with common/mail and passes only the real local part and domain).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/sender/login_map.h"

namespace postern {

struct OwnershipOptions {
  bool local_part_case_insensitive = false;
  std::string recipient_delimiter = "+";   // any of these characters starts an extension; "" = none
  std::vector<std::string> exempt_logins;  // e.g. a helpdesk account that may send as anyone
};

struct OwnershipDecision {
  bool allowed = false;
  std::string reason;  // log-ready: "login address", "map entry sales@example.org (line 4)", ...
};

class OwnershipMap {
 public:
  OwnershipMap(const std::vector<LoginMapEntry>& entries, OwnershipOptions options);

  // Does login own local_part@domain? local_part is the address's local part without quotes
  // (as common/mail returns it); domain as written (U-labels or A-labels, any ASCII case).
  OwnershipDecision check(std::string_view login, std::string_view local_part, std::string_view domain) const;
  // Convenience for a plain "local@domain" string (split at the last '@'); "" (the null sender)
  // is never owned here — the milter applies its own null-sender setting.
  OwnershipDecision check_address(std::string_view login, std::string_view address) const;

  size_t size() const { return by_address_.size() + by_domain_.size(); }
  // Problems found while building (e.g. invalid IDNs in keys); such entries are skipped.
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  struct Owners {
    std::unordered_set<std::string> logins;  // normalised
    std::string key;                         // as written, for reasons
    int line = 0;
  };
  std::optional<std::string> normalise(std::string_view local, std::string_view domain) const;
  std::string normalise_login(std::string_view login) const;
  const Owners* find(const std::unordered_map<std::string, Owners>& m, const std::string& k) const;

  OwnershipOptions options_;
  std::unordered_set<std::string> exempt_;
  std::unordered_map<std::string, Owners> by_address_;  // "local@domain" (normalised)
  std::unordered_map<std::string, Owners> by_domain_;   // "domain"
  std::vector<std::string> warnings_;
};

// Splits "local@domain" at the last '@'; nullopt when there is no '@' or either side is empty.
std::optional<std::pair<std::string_view, std::string_view>> split_address(std::string_view address);

}  // namespace postern
