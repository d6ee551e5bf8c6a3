// parse_imap_line: one IMAP response line (RFC 9051 section 7) as the audit's probe needs it: the
// tag ("*" untagged, "+" continuation, else a command tag), the status (OK, NO, BAD, PREAUTH,
// BYE) and the capabilities it lists, either in a "[CAPABILITY ...]" response code or as an
// untagged "* CAPABILITY ..." response. parse_pop3_line: "+OK ..." / "-ERR ..." (RFC 1939) and,
// for CAPA (RFC 2449) lines, the line itself. Pure; the server is untrusted: a line longer than
// kMaxImapLineBytes or with more than kMaxImapCapabilities capabilities is an error, and so is a
// line that is neither tagged nor untagged.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::audit {

inline constexpr size_t kMaxImapLineBytes = 8192;
inline constexpr size_t kMaxImapCapabilities = 256;

enum class ImapStatus { none, ok, no, bad, preauth, bye };

struct ImapLine {
  std::string tag;
  ImapStatus status = ImapStatus::none;
  std::vector<std::string> capabilities;  // upper-cased
  bool has_capability(std::string_view cap) const;
};

Result<ImapLine> parse_imap_line(std::string_view line);

enum class Pop3Status { ok, err };
Result<Pop3Status> parse_pop3_line(std::string_view line);

}  // namespace postern::audit
