// MessageSplitter: splits a raw RFC 5322 message, fed in chunks of any size, into header fields
// (name and raw value, folding kept as CRLF) and body chunks with every line ending made CRLF, for
// posternctl and tests (the milter gets headers and body from libmilter already split). Bare LF
// line ends are accepted (files on disk); a CR before LF is kept once. The input is untrusted:
// a header field longer than kMaxHeaderFieldBytes, more than kMaxHeaderFields fields, or a header
// line that is not "name:value" is an error; the body is passed on without being stored.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxHeaderFieldBytes = 64 * 1024;
inline constexpr size_t kMaxHeaderFields = 1000;

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void header(std::string_view name, std::string_view value) = 0;
  virtual void end_of_headers() = 0;
  virtual void body(std::string_view chunk) = 0;
};

class MessageSplitter {
 public:
  explicit MessageSplitter(MessageSink& sink) : sink_(sink) {}
  // After an error, further input is ignored and the error repeated.
  Result<void> feed(std::string_view chunk);
  Result<void> finish();

 private:
  Result<void> header_line(std::string_view line);  // one line without its line end
  Result<void> flush_field();
  Result<void> fail(std::string m);

  MessageSink& sink_;
  bool in_body_ = false;
  bool failed_ = false;
  std::string error_;
  std::string line_;   // current header line (without line end)
  std::string field_;  // current header field, continuation lines joined with CRLF
  size_t fields_ = 0;
  bool body_last_cr_ = false;
  std::string out_;  // body output buffer for one feed()
};

}  // namespace postern
