// parse_http_response: the bytes an HTTPS server sent for one GET (read until it closed), split
// into status, the headers posternctl looks at, and the body. Pure function over untrusted bytes:
// the head (status line and headers) is at most kMaxHttpHeadBytes, at most kMaxHttpHeaders header
// lines; a body with Content-Length must have exactly that length, "Transfer-Encoding: chunked" is
// decoded (chunk sizes of at most 8 hex digits). The body limit is the caller's (max_body): a
// larger body is an error that says so. HTTP/1.0 and HTTP/1.1 status lines only.
#pragma once

#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern::ctl {

inline constexpr size_t kMaxHttpHeadBytes = 16 * 1024;
inline constexpr size_t kMaxHttpHeaders = 100;

struct HttpResponse {
  int status = 0;
  std::string content_type;  // the media type, lower-case, parameters dropped ("text/plain")
  std::string location;      // the Location header, for redirects (as sent, log_safe before printing)
  std::string body;
};

// Errors: "malformed ...", "body larger than N bytes", "truncated body".
Result<HttpResponse> parse_http_response(std::string_view bytes, size_t max_body);

}  // namespace postern::ctl
