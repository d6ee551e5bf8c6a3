// Parser for the RFC 5322 message files the milter client replays: splits the header section into
// fields as an MTA hands them to a milter (folded fields stay one field, continuation lines kept
// with "\n" between them, no CR) and turns the body into CRLF lines. Accepts CRLF or LF input and
// one leading mbox "From " line (skipped). Input is operator-supplied but parsed defensively: a
// pure function, errors (never asserts) for NUL bytes in the header section, a continuation line
// before any field, a line that is neither a field nor a continuation, and the limits below.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::mta {

inline constexpr size_t kMaxMessageBytes = 64 * 1024 * 1024;
inline constexpr size_t kMaxHeaderFields = 10000;
// A field (name + value) must fit one milter packet of libmilter's default 64 KiB limit.
inline constexpr size_t kMaxHeaderFieldBytes = 65000;

struct HeaderField {
  std::string name;
  std::string value;  // everything after the colon, leading whitespace included, lines joined by "\n"
};

struct Message {
  std::vector<HeaderField> headers;
  std::string body;  // CRLF line ends; empty if the message has no body
};

Result<Message> parse_message(std::string_view bytes);

}  // namespace postern::mta
