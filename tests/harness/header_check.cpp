// Byte-level header checks; see header_check.h for the contract.
#include "tests/harness/header_check.h"

#include <strings.h>

namespace postern::test {
namespace {

// The header section's lines, each with its LF (the last one may lack it), up to and without the
// empty line that ends the section.
std::vector<std::string> header_lines(const std::string& message, bool* ended) {
  std::vector<std::string> lines;
  *ended = false;
  size_t at = 0;
  while (at < message.size()) {
    size_t nl = message.find('\n', at);
    std::string line = message.substr(at, nl == std::string::npos ? std::string::npos : nl + 1 - at);
    if (line == "\n") {
      *ended = true;
      break;
    }
    lines.push_back(line);
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  return lines;
}

std::string shown(const std::string& line) {
  std::string out;
  for (unsigned char c : line.substr(0, 80)) {
    if (c == '\r') {
      out += "\\r";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

std::vector<RawHeaderField> header_fields(const std::string& message) {
  bool ended = false;
  std::vector<RawHeaderField> fields;
  for (const auto& line : header_lines(message, &ended)) {
    if ((line[0] == ' ' || line[0] == '\t') && !fields.empty()) {
      fields.back().raw += line;
      continue;
    }
    size_t colon = line.find(':');
    fields.push_back({line.substr(0, colon == std::string::npos ? 0 : colon), line});
  }
  return fields;
}

std::vector<std::string> raw_fields(const std::string& message, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& f : header_fields(message))
    if (f.name.size() == name.size() && strncasecmp(f.name.data(), name.data(), name.size()) == 0)
      out.push_back(f.raw);
  return out;
}

std::vector<std::string> header_defects(const std::string& message) {
  std::vector<std::string> defects;
  bool ended = false;
  auto lines = header_lines(message, &ended);
  bool in_field = false;
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string& line = lines[n];
    std::string where = "header line " + std::to_string(n + 1) + " \"" + shown(line) + "\": ";
    if (line.find('\r') != std::string::npos) defects.push_back(where + "carries a CR");
    if (line.back() != '\n') defects.push_back(where + "has no LF");
    if (line.size() > 999) defects.push_back(where + "is longer than 998 bytes");
    std::string body = line.substr(0, line.find_last_not_of("\r\n") + 1);
    if (line[0] == ' ' || line[0] == '\t') {
      if (!in_field) defects.push_back(where + "continues no field");
      if (body.find_first_not_of(" \t\r") == std::string::npos)
        defects.push_back(where + "is an empty continuation line");
      continue;
    }
    size_t colon = body.find(':');
    if (colon == std::string::npos || colon == 0) {
      defects.push_back(where + "has no field name and colon");
    } else {
      for (unsigned char c : body.substr(0, colon))
        if (c <= 0x20 || c >= 0x7f) {
          defects.push_back(where + "has a field name with a byte outside printable ASCII");
          break;
        }
    }
    in_field = true;
  }
  if (!ended) defects.push_back("no empty line ends the header section");
  return defects;
}

}  // namespace postern::test
