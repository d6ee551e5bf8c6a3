// Implements the command encoder. Contract in encoder.h.
#include "tools/milterclient/encoder.h"

#include "tools/milterclient/protocol.h"

namespace postern::mta {
namespace {

void put32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

void put_cstring(std::string& out, std::string_view s) {
  out.append(s);
  out.push_back('\0');
}

std::string address_command(char command, std::string_view address, const std::vector<std::string>& args) {
  std::string p;
  put_cstring(p, bracketed(address));
  for (const auto& a : args) put_cstring(p, a);
  return encode_packet(command, p);
}

}  // namespace

std::string bracketed(std::string_view address) {
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>') return std::string(address);
  return "<" + std::string(address) + ">";
}

std::string encode_packet(char command, std::string_view payload) {
  std::string out;
  out.reserve(5 + payload.size());
  put32(out, static_cast<uint32_t>(payload.size() + 1));
  out.push_back(command);
  out.append(payload);
  return out;
}

std::string encode_optneg(uint32_t version, uint32_t actions, uint32_t protocol) {
  std::string p;
  put32(p, version);
  put32(p, actions);
  put32(p, protocol);
  return encode_packet(cmd::optneg, p);
}

std::string encode_macros(char stage, const MacroList& macros) {
  std::string p(1, stage);
  for (const auto& [name, value] : macros) {
    put_cstring(p, name);
    put_cstring(p, value);
  }
  return encode_packet(cmd::macro, p);
}

std::string encode_connect(std::string_view hostname, Family family, uint16_t port,
                           std::string_view address) {
  std::string p;
  put_cstring(p, hostname);
  p.push_back(static_cast<char>(family));
  if (family != Family::unknown) {
    p.push_back(static_cast<char>(port >> 8));
    p.push_back(static_cast<char>(port & 0xff));
    put_cstring(p, address);
  }
  return encode_packet(cmd::connect, p);
}

std::string encode_helo(std::string_view name) {
  std::string p;
  put_cstring(p, name);
  return encode_packet(cmd::helo, p);
}

std::string encode_mail(std::string_view sender, const std::vector<std::string>& esmtp_args) {
  return address_command(cmd::mail, sender, esmtp_args);
}

std::string encode_rcpt(std::string_view recipient, const std::vector<std::string>& esmtp_args) {
  return address_command(cmd::rcpt, recipient, esmtp_args);
}

std::string encode_header(std::string_view name, std::string_view value) {
  std::string p;
  put_cstring(p, name);
  put_cstring(p, value);
  return encode_packet(cmd::header, p);
}

std::string encode_body(std::string_view chunk) { return encode_packet(cmd::body, chunk); }

std::string encode_command(char command) { return encode_packet(command, {}); }

}  // namespace postern::mta
