// dmarc_author: the one author address of a message (RFC 9989 "Author Domain"; RFC 5322 3.6.2):
// the author of parse_from_header (common/mail/from_header.h, the one rule every check shares:
// exactly one From: field holding exactly one address, strictly parsed, never a guess at a domain),
// and on top of it not a group member. Limits: those of parse_from_header. Pure function.
#pragma once

#include <string>
#include <vector>

#include "common/core/result.h"
#include "common/mail/address.h"
#include "common/mail/from_header.h"

namespace postern {

// The error message says which of the cases above applies (it goes into logs and reports).
Result<MailAddress> dmarc_author(const FromHeader& from);
// The same from the From: header values as received.
Result<MailAddress> dmarc_author(const std::vector<std::string>& from_headers);

}  // namespace postern
