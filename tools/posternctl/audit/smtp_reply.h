// SmtpReplyReader: SMTP replies (RFC 5321 section 4.2) from bytes a server sent, for the audit's
// probes. Bytes are appended as they arrive; next() returns a complete reply, "not yet" (nullopt)
// or an error for a line that is not "DDD-text" / "DDD text" / "DDD", for continuation lines
// whose code differs from the first, and past the limits: a line longer than kMaxSmtpLineBytes,
// more than kMaxSmtpReplyLines lines in one reply. A reply's lines end at LF (a CR before it is
// dropped) so a server that sends bare LF is still read. Pure; the server is untrusted.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::audit {

inline constexpr size_t kMaxSmtpLineBytes = 4096;  // RFC 5321 says 512; be lenient, stay bounded
inline constexpr size_t kMaxSmtpReplyLines = 200;

struct SmtpReply {
  int code = 0;
  std::vector<std::string> lines;  // the text after "DDD-" / "DDD "
  // EHLO keywords: the first word of every line but the first, upper-cased ("STARTTLS", "AUTH").
  std::vector<std::string> ehlo_keywords() const;
  // The words after an EHLO keyword ("AUTH PLAIN LOGIN" -> {"PLAIN", "LOGIN"}); empty if absent.
  std::vector<std::string> ehlo_params(std::string_view keyword) const;
  bool has_keyword(std::string_view keyword) const;
};

class SmtpReplyReader {
 public:
  void append(std::string_view bytes) { buf_.append(bytes); }
  Result<std::optional<SmtpReply>> next();
  // Bytes received and not yet consumed by a reply (STARTTLS: must be none before the handshake).
  size_t pending() const { return buf_.size(); }

 private:
  std::string buf_;
  SmtpReply partial_;
};

}  // namespace postern::audit
