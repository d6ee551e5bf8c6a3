// dmarc_author: the one author address of a message from its From: header values (RFC 9989
// "Author Domain"; RFC 5322 3.6.2). Every From: header value as received is passed in; the values
// are hostile by assumption and parsed with parse_address_list (strict: ambiguous constructs such
// as "<a@evil.example>@good.example", '@' in an unquoted display name or unbalanced brackets are
// errors). Exactly one From: header holding exactly one address is required: no From:, several
// From: headers, several addresses (or a group) in one From:, or a value that does not parse are
// all errors, never a guess at a domain. Limits: kMaxFromHeaders values are looked at (a message
// with more is an error anyway) plus the address parser's own limits. Pure function.
#pragma once

#include <string>
#include <vector>

#include "common/core/result.h"
#include "common/mail/address.h"

namespace postern {

inline constexpr size_t kMaxFromHeaders = 16;

// The error message says which of the cases above applies (it goes into logs and reports).
Result<MailAddress> dmarc_author(const std::vector<std::string>& from_headers);

}  // namespace postern
