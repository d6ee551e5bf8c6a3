// Implements MessageSplitter. Contract in message_reader.h.
#include "common/dkim/message_reader.h"

namespace postern {

Result<void> MessageSplitter::fail(std::string m) {
  failed_ = true;
  error_ = std::move(m);
  return Error::perm(error_);
}

Result<void> MessageSplitter::flush_field() {
  if (field_.empty()) return {};
  size_t colon = field_.find(':');
  if (colon == std::string::npos || colon == 0) return fail("header line without a field name and colon");
  for (size_t i = 0; i < colon; ++i) {
    auto c = static_cast<unsigned char>(field_[i]);
    if (c <= 0x20 || c >= 0x7f) return fail("invalid character in a header field name");
  }
  if (++fields_ > kMaxHeaderFields)
    return fail("more than " + std::to_string(kMaxHeaderFields) + " header fields");
  sink_.header(std::string_view(field_).substr(0, colon), std::string_view(field_).substr(colon + 1));
  field_.clear();
  return {};
}

Result<void> MessageSplitter::header_line(std::string_view line) {
  if (line.empty()) {
    if (auto r = flush_field(); !r) return r;
    in_body_ = true;
    sink_.end_of_headers();
    return {};
  }
  if (line[0] == ' ' || line[0] == '\t') {
    if (field_.empty()) return fail("continuation line before the first header field");
    field_ += "\r\n";
  } else if (auto r = flush_field(); !r) {
    return r;
  }
  if (field_.size() + line.size() > kMaxHeaderFieldBytes)
    return fail("header field longer than " + std::to_string(kMaxHeaderFieldBytes) + " bytes");
  field_.append(line);
  return {};
}

Result<void> MessageSplitter::feed(std::string_view chunk) {
  if (failed_) return Error::perm(error_);
  size_t i = 0;
  while (!in_body_ && i < chunk.size()) {
    size_t nl = chunk.find('\n', i);
    std::string_view part = chunk.substr(i, nl == std::string_view::npos ? std::string_view::npos : nl - i);
    if (line_.size() + part.size() > kMaxHeaderFieldBytes)
      return fail("header line longer than " + std::to_string(kMaxHeaderFieldBytes) + " bytes");
    line_.append(part);
    if (nl == std::string_view::npos) return {};
    i = nl + 1;
    if (!line_.empty() && line_.back() == '\r') line_.pop_back();
    std::string line = std::move(line_);
    line_.clear();
    if (auto r = header_line(line); !r) return r;
  }
  if (i >= chunk.size()) return {};
  out_.clear();
  out_.reserve(chunk.size() - i + 16);
  for (; i < chunk.size(); ++i) {
    char c = chunk[i];
    if (c == '\n' && !body_last_cr_) out_.push_back('\r');
    out_.push_back(c);
    body_last_cr_ = c == '\r';
  }
  sink_.body(out_);
  return {};
}

Result<void> MessageSplitter::finish() {
  if (failed_) return Error::perm(error_);
  if (!in_body_) {
    if (!line_.empty()) {
      if (line_.back() == '\r') line_.pop_back();
      std::string line = std::move(line_);
      line_.clear();
      if (!line.empty()) {
        if (auto r = header_line(line); !r) return r;
      }
    }
    if (auto r = flush_field(); !r) return r;
    in_body_ = true;
    sink_.end_of_headers();
  }
  return {};
}

}  // namespace postern
