// Encoder for the commands an MTA sends to a milter (protocol version 6): each function returns
// one complete packet (4-byte big-endian length, command byte, payload). Inputs come from the
// operator (command line, message files already parsed by message.h) and must not contain NUL in
// the string arguments (the parser and the command line guarantee it); body chunks may hold any
// byte and must be at most kMaxBodyChunk long. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace postern::mta {

using MacroList = std::vector<std::pair<std::string, std::string>>;

enum class Family : char { unknown = 'U', inet4 = '4', inet6 = '6', unix_path = 'L' };

std::string encode_packet(char command, std::string_view payload);
std::string encode_optneg(uint32_t version, uint32_t actions, uint32_t protocol);
// Macros sent just before the command `stage` (e.g. cmd::mail).
std::string encode_macros(char stage, const MacroList& macros);
// For Family::unknown only the host name and the family are sent.
std::string encode_connect(std::string_view hostname, Family family, uint16_t port, std::string_view address);
std::string encode_helo(std::string_view name);
// MAIL and RCPT: the address in angle brackets (added if missing), then ESMTP arguments.
std::string encode_mail(std::string_view sender, const std::vector<std::string>& esmtp_args = {});
std::string encode_rcpt(std::string_view recipient, const std::vector<std::string>& esmtp_args = {});
std::string encode_header(std::string_view name, std::string_view value);
std::string encode_body(std::string_view chunk);
// DATA, EOH, end of body, ABORT, QUIT: no payload.
std::string encode_command(char command);

// "<addr>" for "addr"; an address already in brackets is kept.
std::string bracketed(std::string_view address);

}  // namespace postern::mta
