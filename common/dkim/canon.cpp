// Implements DKIM canonicalisation. Contract in canon.h.
#include "common/dkim/canon.h"

#include "common/core/ascii.h"

namespace postern {
namespace {
constexpr size_t kFlushAt = 16 * 1024;  // a long line is written out in pieces
}

void BodyCanonicalizer::emit(std::string_view s) {
  written_ += s.size();
  sink_(s);
}

void BodyCanonicalizer::flush_line() {
  if (line_.empty()) return;
  // Content follows the held-back empty lines: they were not trailing after all.
  for (; empty_lines_ > 0; --empty_lines_) emit("\r\n");
  emit(line_);
  line_.clear();
}

void BodyCanonicalizer::content(char c) {
  if (relaxed_ && (c == ' ' || c == '\t')) {
    in_wsp_ = true;
    return;
  }
  if (in_wsp_) {
    line_.push_back(' ');
    in_wsp_ = false;
  }
  line_.push_back(c);
  line_has_content_ = true;
  if (line_.size() >= kFlushAt) flush_line();
}

void BodyCanonicalizer::end_line() {
  if (!line_has_content_) {
    ++empty_lines_;
  } else {
    flush_line();
    emit("\r\n");
  }
  line_has_content_ = false;
  in_wsp_ = false;
}

void BodyCanonicalizer::add(std::string_view chunk) {
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

void BodyCanonicalizer::finish() {
  if (pending_cr_) {
    pending_cr_ = false;
    content('\r');
  }
  if (line_has_content_) {
    flush_line();
    emit("\r\n");
    line_has_content_ = false;
  } else if (!relaxed_ && written_ == 0) {
    emit("\r\n");
  }
  empty_lines_ = 0;
}

std::string canonical_header(DkimCanon canon, std::string_view name, std::string_view value) {
  if (canon == DkimCanon::simple) return std::string(name) + ":" + std::string(value) + "\r\n";
  std::string out = ascii_lower(name);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
  out.push_back(':');
  bool wsp = false, started = false;
  for (char c : value) {
    if (c == '\r' || c == '\n') continue;  // unfold
    if (c == ' ' || c == '\t') {
      wsp = true;
      continue;
    }
    if (wsp && started) out.push_back(' ');
    wsp = false;
    started = true;
    out.push_back(c);
  }
  return out + "\r\n";
}

}  // namespace postern
