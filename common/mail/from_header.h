// parse_from_header: the From: fields of one message, parsed once at the end of its headers and
// handed to every check that needs the author (sender ownership, DKIM signing, the local-domain
// claim, DMARC), so they all read the same addresses under one rule. The values are hostile by
// assumption and parsed with parse_address_list (address.h, strict: ambiguous forms are errors).
// The rule: the author is the one address of the one From: field. No From:, several From: fields,
// a field that does not parse, holds no address or several addresses is an error whose message says
// which (it goes into logs and DMARC reports); a group member counts as an address here (DMARC's
// own rule, common/dmarc/author.h, refuses groups on top). Limits: the address parser's, and
// kMaxFromHeaders in the error text (more fields than that are reported as "N+"). Pure function.
#pragma once

#include <string>
#include <vector>

#include "common/core/result.h"
#include "common/mail/address.h"

namespace postern {

inline constexpr size_t kMaxFromHeaders = 16;

struct FromHeader {
  size_t fields = 0;  // From: fields seen
  // The addresses of the one From: field; an error when there is not exactly one field or it does
  // not parse.
  Result<std::vector<MailAddress>> addresses = Error::perm("no From: header");
  // The author: exactly one field holding exactly one address.
  Result<MailAddress> author = Error::perm("no From: header");
};

FromHeader parse_from_header(const std::vector<std::string>& from_values);

}  // namespace postern
