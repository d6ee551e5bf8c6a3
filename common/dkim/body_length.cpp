// Implements CanonicalBodyLength. Contract in body_length.h.
#include "common/dkim/body_length.h"

namespace postern {

void CanonicalBodyLength::content(char c) {
  if (relaxed_ && (c == ' ' || c == '\t')) {
    in_wsp_ = true;
    return;
  }
  if (in_wsp_) {
    ++line_;  // a run of white space inside a line becomes one SP
    in_wsp_ = false;
  }
  ++line_;
}

void CanonicalBodyLength::end_line() {
  if (line_ == 0) {
    pending_ += 2;
  } else {
    committed_ += pending_ + line_ + 2;
    pending_ = 0;
  }
  line_ = 0;
  in_wsp_ = false;  // trailing white space is dropped (relaxed)
}

void CanonicalBodyLength::add(std::string_view chunk) {
  for (char c : chunk) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        end_line();
        continue;
      }
      content('\r');
    }
    if (c == '\r') {
      pending_cr_ = true;
      continue;
    }
    content(c);
  }
}

uint64_t CanonicalBodyLength::length() const {
  CanonicalBodyLength copy = *this;
  if (copy.pending_cr_) copy.content('\r');
  if (copy.line_ > 0) return copy.committed_ + copy.pending_ + copy.line_ + 2;  // a CRLF is added
  if (!relaxed_ && copy.committed_ == 0) return 2;                              // simple: empty body is CRLF
  return copy.committed_;
}

}  // namespace postern
