// Implements parse_message. Contract in message.h.
#include "tools/milterclient/message.h"

namespace postern::mta {
namespace {

bool field_name_char(unsigned char c) { return c >= 33 && c <= 126 && c != ':'; }

}  // namespace

Result<Message> parse_message(std::string_view bytes) {
  if (bytes.size() > kMaxMessageBytes) return Error::perm("message larger than 64 MiB");
  Message m;
  size_t pos = 0;
  size_t line_no = 0;
  bool in_body = false;
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    bool has_newline = nl != std::string_view::npos;
    std::string_view line = bytes.substr(pos, has_newline ? nl - pos : std::string_view::npos);
    pos = has_newline ? nl + 1 : bytes.size();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    if (in_body) {
      m.body.append(line);
      m.body.append("\r\n");
      continue;
    }
    std::string where = "line " + std::to_string(line_no);
    if (line.empty()) {
      in_body = true;
      continue;
    }
    if (line.find('\0') != std::string_view::npos) return Error::perm(where + ": NUL byte in header");
    if (line_no == 1 && line.rfind("From ", 0) == 0) continue;  // mbox separator
    if (line[0] == ' ' || line[0] == '\t') {
      if (m.headers.empty()) return Error::perm(where + ": continuation line before any header field");
      HeaderField& h = m.headers.back();
      if (h.name.size() + h.value.size() + line.size() + 1 > kMaxHeaderFieldBytes) {
        return Error::perm(where + ": header field " + h.name + " too long");
      }
      h.value.push_back('\n');
      h.value.append(line);
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Error::perm(where + ": not a header field");
    std::string_view name = line.substr(0, colon);
    // Whitespace between the name and the colon (obsolete syntax) is dropped from the name.
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    if (name.empty()) return Error::perm(where + ": empty header field name");
    for (unsigned char c : name) {
      if (!field_name_char(c)) return Error::perm(where + ": bad character in header field name");
    }
    if (line.size() > kMaxHeaderFieldBytes) return Error::perm(where + ": header field too long");
    if (m.headers.size() >= kMaxHeaderFields) return Error::perm("more than 10000 header fields");
    m.headers.push_back({std::string(name), std::string(line.substr(colon + 1))});
  }
  return m;
}

}  // namespace postern::mta
