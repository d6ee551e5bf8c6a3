// Checks on header fields before they reach a DKIM hash (ours or libopendkim's), shared by the
// signing and verifying sessions (sign_session.cpp, verify_session.cpp). Input: header names and raw
// values from the message, untrusted; every check is bounded by the value's length.
#pragma once

#include <string>
#include <string_view>

namespace postern {

// Header field names: printable ASCII without ':' (RFC 5322 ftext), at most 256 bytes.
bool valid_field_name(std::string_view n);

// "name:value" with every bare LF in value made CRLF (libmilter hands folded values with LF).
std::string header_line(std::string_view name, std::string_view value);

// A CR that does not start a CR LF, or a NUL (RFC 5322 allows neither).
bool has_bare_cr_or_nul(std::string_view v);

// A DKIM-Signature value whose h= list holds something other than field names.
bool has_malformed_h_tag(std::string_view value);

}  // namespace postern
