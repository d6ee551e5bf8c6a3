// Implements parse_http_response. Contract in http_response.h.
#include "tools/posternctl/transport/http_response.h"

#include <cctype>

#include "common/core/ascii.h"

namespace postern::ctl {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One line ending in CRLF (or LF) starting at pos; npos when none.
size_t line_end(std::string_view s, size_t pos, std::string_view& line) {
  size_t nl = s.find('\n', pos);
  if (nl == std::string_view::npos) return nl;
  line = s.substr(pos, nl - pos);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return nl + 1;
}

Result<std::string> dechunk(std::string_view s, size_t max_body) {
  std::string out;
  size_t pos = 0;
  while (true) {
    std::string_view line;
    size_t next = line_end(s, pos, line);
    if (next == std::string_view::npos) return Error::perm("truncated body");
    line = trim(line.substr(0, line.find(';')));
    if (line.empty() || line.size() > 8) return Error::perm("malformed chunk size");
    size_t n = 0;
    for (char c : line) {
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return Error::perm("malformed chunk size");
      n = n * 16 + static_cast<size_t>(d);
    }
    pos = next;
    if (n == 0) return out;  // trailers, if any, are ignored
    if (out.size() + n > max_body)
      return Error::perm("body larger than " + std::to_string(max_body) + " bytes");
    if (s.size() - pos < n + 2) return Error::perm("truncated body");
    out.append(s.substr(pos, n));
    pos += n;
    if (s.substr(pos, 2) == "\r\n")
      pos += 2;
    else if (s.substr(pos, 1) == "\n")
      pos += 1;
    else
      return Error::perm("malformed chunk");
  }
}

}  // namespace

Result<HttpResponse> parse_http_response(std::string_view bytes, size_t max_body) {
  size_t head_end = bytes.find("\r\n\r\n");
  size_t body_start = head_end == std::string_view::npos ? head_end : head_end + 4;
  if (size_t lf = bytes.find("\n\n");
      lf != std::string_view::npos && (head_end == std::string_view::npos || lf < head_end)) {
    head_end = lf;
    body_start = lf + 2;
  }
  if (head_end == std::string_view::npos) {
    return Error::perm(bytes.size() > kMaxHttpHeadBytes ? "malformed response: headers too long"
                                                        : "malformed response: no end of headers");
  }
  if (head_end > kMaxHttpHeadBytes) return Error::perm("malformed response: headers too long");
  std::string_view head = bytes.substr(0, body_start);  // ends with the empty line
  HttpResponse r;
  std::string_view line;
  size_t pos = line_end(head, 0, line);
  // "HTTP/1.1 200 OK"
  if (line.size() < 12 || (line.substr(0, 9) != "HTTP/1.1 " && line.substr(0, 9) != "HTTP/1.0 ") ||
      !std::isdigit(static_cast<unsigned char>(line[9])) ||
      !std::isdigit(static_cast<unsigned char>(line[10])) ||
      !std::isdigit(static_cast<unsigned char>(line[11])) || (line.size() > 12 && line[12] != ' '))
    return Error::perm("malformed status line");
  r.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  bool chunked = false;
  bool have_length = false;
  size_t length = 0;
  size_t headers = 0;
  while (pos < head.size()) {
    size_t next = line_end(head, pos, line);
    if (next == std::string_view::npos) break;
    pos = next;
    if (line.empty()) break;
    if (++headers > kMaxHttpHeaders) return Error::perm("malformed response: too many headers");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Error::perm("malformed header line");
    std::string name = ascii_lower(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-type") {
      r.content_type = ascii_lower(trim(value.substr(0, value.find(';'))));
    } else if (name == "location") {
      r.location = std::string(value);
    } else if (name == "transfer-encoding") {
      if (ascii_lower(value) != "chunked") return Error::perm("unsupported transfer encoding");
      chunked = true;
    } else if (name == "content-length") {
      if (value.empty() || value.size() > 12 || have_length) return Error::perm("malformed Content-Length");
      length = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return Error::perm("malformed Content-Length");
        length = length * 10 + static_cast<size_t>(c - '0');
      }
      have_length = true;
    }
  }
  std::string_view body = bytes.substr(body_start);
  if (chunked) {
    auto b = dechunk(body, max_body);
    if (!b) return b.error();
    r.body = std::move(*b);
    return r;
  }
  if (have_length) {
    if (length > max_body) return Error::perm("body larger than " + std::to_string(max_body) + " bytes");
    if (body.size() < length) return Error::perm("truncated body");
    body = body.substr(0, length);
  }
  if (body.size() > max_body) return Error::perm("body larger than " + std::to_string(max_body) + " bytes");
  r.body = std::string(body);
  return r;
}

}  // namespace postern::ctl
