// CanonicalBodyLength: the length of a message body after DKIM body canonicalisation (RFC 6376
// 3.4.3 simple, 3.4.4 relaxed), computed while the body streams past in chunks of any size, in
// constant memory. Used to tell whether a signature's l= covers the whole body. Input is the body
// as it travels in SMTP (CRLF line ends); a CR or LF not part of a CRLF counts as a line's content.
// Trusts nothing; lengths are 64-bit.
#pragma once

#include <cstdint>
#include <string_view>

namespace postern {

enum class DkimCanon { simple, relaxed };

class CanonicalBodyLength {
 public:
  explicit CanonicalBodyLength(DkimCanon canon) : relaxed_(canon == DkimCanon::relaxed) {}
  void add(std::string_view chunk);
  // The canonical length of everything added so far, as if the body ended here.
  uint64_t length() const;

 private:
  void content(char c);
  void end_line();

  bool relaxed_;
  bool pending_cr_ = false;
  bool in_wsp_ = false;
  uint64_t committed_ = 0;  // through the CRLF of the last non-empty line
  uint64_t pending_ = 0;    // CRLFs of empty lines after that
  uint64_t line_ = 0;       // canonical content of the current line so far
};

}  // namespace postern
