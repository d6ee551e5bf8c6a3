// Byte-level checks of a delivered message's header section, for tests that assert on exactly what
// a real Postfix wrote into a mailbox (maildir files: LF line ends). header_fields() splits the
// header section into fields, each kept as its exact bytes ("Name: value\n\tmore\n"), in order;
// header_defects() lists every way the section is not well formed: a CR anywhere (a bare CR, or
// CR CR LF once Postfix relays it over SMTP or LMTP), a line without its LF, a field name that is
// empty or holds bytes outside printable ASCII, a first line without a colon, a continuation line
// that is empty or white space only, a line over 998 bytes (RFC 5322 §2.1.1), a continuation line
// before the first field, no empty line ending the section. Trusts its callers (tests).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postern::test {

struct RawHeaderField {
  std::string name;  // as written, before the colon
  std::string raw;   // every byte of the field, its line ends included
};

std::vector<RawHeaderField> header_fields(const std::string& message);
// The exact bytes of each field with this name (case-insensitive), in order.
std::vector<std::string> raw_fields(const std::string& message, std::string_view name);
// Empty when the header section is well formed; otherwise one line per defect.
std::vector<std::string> header_defects(const std::string& message);

}  // namespace postern::test
