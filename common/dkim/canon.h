// DKIM canonicalisation (RFC 6376 3.4) for the signer (signature_maker.h):
//   - BodyCanonicalizer: the body, streamed in chunks of any size, out as canonical bytes through
//     a callback (simple 3.4.3, relaxed 3.4.4), in constant memory: trailing empty lines are held
//     back as a count and written only when more content follows.
//   - canonical_header: one header field, simple (as is) or relaxed (3.4.2).
// Input is untrusted message text in SMTP form (CRLF line ends; a lone CR or LF is content).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/dkim/body_length.h"

namespace postern {

class BodyCanonicalizer {
 public:
  using Sink = std::function<void(std::string_view)>;
  BodyCanonicalizer(DkimCanon canon, Sink sink)
      : relaxed_(canon == DkimCanon::relaxed), sink_(std::move(sink)) {}
  void add(std::string_view chunk);
  // Writes what the end of the body implies (a final CRLF; simple: CRLF for an empty body).
  void finish();
  uint64_t written() const { return written_; }

 private:
  void content(char c);
  void end_line();
  void emit(std::string_view s);
  void flush_line();

  bool relaxed_;
  Sink sink_;
  bool pending_cr_ = false;
  bool in_wsp_ = false;
  bool line_has_content_ = false;
  uint64_t empty_lines_ = 0;  // CRLFs held back
  uint64_t written_ = 0;
  std::string line_;  // canonical content of the current line not yet written (bounded by flushes)
};

// "name:value\r\n" canonicalised. value is everything after the colon, folded lines joined by CRLF.
std::string canonical_header(DkimCanon canon, std::string_view name, std::string_view value);

}  // namespace postern
