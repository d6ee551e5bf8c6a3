// parse_address_list: RFC 5322 address lists as found in From:, Sender:, Reply-To: (section 3.4),
// with the obsolete forms mail really contains (comments anywhere, routes in angle addresses,
// quoted local parts). The header comes from the network and is hostile by assumption: bounded by
// kMaxAddressHeader bytes, kMaxAddresses addresses and kMaxCommentDepth nested comments; every
// construct that admits two readings is an error, never a guess (the "Composition Kills" class):
// text after an angle address such as "<a@evil.example>@good.example", an '@' or '<' inside an
// unquoted display name, unbalanced quotes, brackets or parentheses, a missing domain. Display
// names (including RFC 2047 encoded words) are kept as written and never parsed for addresses.
// Pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxAddressHeader = 16 * 1024;
inline constexpr size_t kMaxAddresses = 100;
inline constexpr size_t kMaxCommentDepth = 8;
inline constexpr size_t kMaxLocalPart = 256;
inline constexpr size_t kMaxDomain = 255;

struct MailAddress {
  std::string display_name;  // as written, quotes removed; "" when none
  std::string local_part;    // unquoted content: "\"a b\"@x" gives `a b`
  std::string domain;        // as written (dot-atom or [literal])
  bool quoted_local = false;
  std::string group;  // the group's display name when inside "name: a, b;"

  // The domain in its comparable ASCII form (idna.h domain_to_alabels: lower case, U-labels as
  // A-labels); empty when it is no valid domain (invalid IDN, mixed scripts, over-long label).
  std::string ascii_domain() const;
  std::string str() const { return local_part + "@" + domain; }
};

Result<std::vector<MailAddress>> parse_address_list(std::string_view header_value);

// An envelope address from MAIL FROM / RCPT TO as Postfix passes it to milters: "<a@b>", "a@b" or
// "<>" (the null sender, returned as an empty address). Source routes are dropped.
Result<MailAddress> parse_envelope_address(std::string_view text);

}  // namespace postern
