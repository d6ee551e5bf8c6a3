// Authentication-Results builder (RFC 8601): turns a list of method results (dkim now; spf,
// dmarc and others appended by their own code) into the value of exactly one
// Authentication-Results header for our authserv-id. Inputs such as header.d come from
// untrusted messages: control characters are dropped and anything outside an RFC 2045 token
// is emitted as a quoted-string, so the header cannot be split or forged. Limits: at most
// kMaxResults results and kMaxValueBytes per property value (longer values are truncated).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/authres/result.h"

namespace postern::authres {

inline constexpr std::size_t kMaxResults = 32;
inline constexpr std::size_t kMaxValueBytes = 256;

struct MethodResult {
  std::string method;  // "dkim", "spf", "dmarc", ...
  AuthResult result = AuthResult::none;
  std::string reason;  // optional free text, emitted as reason="..."
  // ptype.property=value pairs in order, e.g. {"header.d", "example.com"}.
  std::vector<std::pair<std::string, std::string>> properties;
};

// Returns the header VALUE (without "Authentication-Results:"), one result per line folded with
// CR LF TAB as RFC 5322 writes it, e.g. "mx.example.net;\r\n\tdkim=pass header.d=example.com
// header.s=sel". An empty list gives "mx.example.net; none". The milter hands libmilter the LF
// form (common/mail/header_value.h).
std::string build_value(std::string_view authserv_id, const std::vector<MethodResult>& results);

}  // namespace postern::authres
