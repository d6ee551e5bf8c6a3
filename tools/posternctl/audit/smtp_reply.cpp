// Implements SmtpReplyReader. Contract in smtp_reply.h.
#include "tools/posternctl/audit/smtp_reply.h"

namespace postern::audit {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::vector<std::string> words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t st = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > st) out.emplace_back(s.substr(st, i - st));
  }
  return out;
}

}  // namespace

std::vector<std::string> SmtpReply::ehlo_keywords() const {
  std::vector<std::string> out;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto w = words(lines[i]);
    if (!w.empty()) out.push_back(upper(w[0]));
  }
  return out;
}

std::vector<std::string> SmtpReply::ehlo_params(std::string_view keyword) const {
  for (size_t i = 1; i < lines.size(); ++i) {
    auto w = words(lines[i]);
    if (!w.empty() && upper(w[0]) == upper(keyword)) {
      std::vector<std::string> out;
      for (size_t k = 1; k < w.size(); ++k) out.push_back(upper(w[k]));
      return out;
    }
  }
  return {};
}

bool SmtpReply::has_keyword(std::string_view keyword) const {
  for (const auto& k : ehlo_keywords())
    if (k == upper(keyword)) return true;
  return false;
}

Result<std::optional<SmtpReply>> SmtpReplyReader::next() {
  while (true) {
    size_t nl = buf_.find('\n');
    if (nl == std::string::npos) {
      if (buf_.size() > kMaxSmtpLineBytes) return Error::perm("reply line longer than kMaxSmtpLineBytes");
      return std::optional<SmtpReply>();
    }
    if (nl > kMaxSmtpLineBytes) return Error::perm("reply line longer than kMaxSmtpLineBytes");
    std::string_view line(buf_.data(), nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() < 3 || !(line[0] >= '2' && line[0] <= '5') || !(line[1] >= '0' && line[1] <= '9') ||
        !(line[2] >= '0' && line[2] <= '9') || (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
      return Error::perm("not an SMTP reply line");
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (!partial_.lines.empty() && code != partial_.code)
      return Error::perm("reply lines with different codes");
    if (partial_.lines.size() >= kMaxSmtpReplyLines)
      return Error::perm("reply longer than kMaxSmtpReplyLines");
    partial_.code = code;
    bool more = line.size() > 3 && line[3] == '-';
    partial_.lines.emplace_back(line.size() > 4 ? line.substr(4) : std::string_view());
    buf_.erase(0, nl + 1);
    if (!more) {
      SmtpReply done = std::move(partial_);
      partial_ = {};
      return std::optional<SmtpReply>(std::move(done));
    }
  }
}

}  // namespace postern::audit
