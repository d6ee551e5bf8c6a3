// Authentication-Results parser (RFC 8601), reduced to what the milter needs: the authserv-id of
// an incoming header value, so headers claiming our id can be removed (delete from the last
// index to the first). Input is untrusted header bytes; the parser is pure, bounded
// (kMaxHeaderBytes, comment nesting kMaxCommentDepth) and never crashes. Errors are permanent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern::authres {

inline constexpr std::size_t kMaxHeaderBytes = 16384;
inline constexpr int kMaxCommentDepth = 8;

// Returns the authserv-id (token or unquoted quoted-string content) of an A-R header value.
Result<std::string> parse_authserv_id(std::string_view header_value);

}  // namespace postern::authres
