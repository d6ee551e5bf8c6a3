// Implements PolicyRequestParser. Contract in request_parser.h.
#include "common/policy/request_parser.h"

namespace postern {

const std::string& PolicyRequest::get(std::string_view name) const {
  static const std::string empty;
  auto it = attrs.find(name);
  return it == attrs.end() ? empty : it->second;
}

Result<void> PolicyRequestParser::fail(std::string message) {
  failed_ = true;
  return Error::perm(std::move(message));
}

Result<void> PolicyRequestParser::end_line(std::vector<PolicyRequest>& out) {
  std::string_view line = line_;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    if (current_.attrs.empty()) return fail("empty request");
    if (current_.get("request") != "smtpd_access_policy") {
      return fail("request is not request=smtpd_access_policy");
    }
    out.push_back(std::move(current_));
    current_ = PolicyRequest();
    request_bytes_ = 0;
  } else {
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) return fail("line is not name=value");
    if (current_.attrs.size() >= kMaxPolicyAttributes &&
        current_.attrs.find(line.substr(0, eq)) == current_.attrs.end()) {
      return fail("more than " + std::to_string(kMaxPolicyAttributes) + " attributes");
    }
    current_.attrs.insert_or_assign(std::string(line.substr(0, eq)), std::string(line.substr(eq + 1)));
  }
  line_.clear();
  return {};
}

Result<void> PolicyRequestParser::feed(std::string_view bytes, std::vector<PolicyRequest>& out) {
  if (failed_) return Error::perm("parser already failed");
  for (char c : bytes) {
    if (c == '\0') return fail("NUL byte in request");
    if (++request_bytes_ > kMaxPolicyRequest) {
      return fail("request larger than " + std::to_string(kMaxPolicyRequest) + " bytes");
    }
    if (c == '\n') {
      if (auto r = end_line(out); !r) return r;
      continue;
    }
    if (line_.size() >= kMaxPolicyLine)
      return fail("line longer than " + std::to_string(kMaxPolicyLine) + " bytes");
    line_.push_back(c);
  }
  return {};
}

}  // namespace postern
