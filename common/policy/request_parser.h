// Parser for the Postfix policy delegation protocol (SMTPD_POLICY_README): "name=value" lines
// ending in LF, a request ending in an empty line. Incremental: feed() takes bytes as they arrive,
// in any split, and yields complete requests; the result never depends on how the stream was cut.
// The stream is untrusted: limits on line length (kMaxPolicyLine), attributes per request
// (kMaxPolicyAttributes) and request size (kMaxPolicyRequest); a NUL byte, a line without '=',
// an over-limit request or a request without request=smtpd_access_policy is an error, after
// which the connection must be closed (no guessed answer: Postfix then applies its own default).
// Unknown attribute names are kept (they may come from newer Postfix versions) and ignored by the
// policy; a repeated name keeps its last value.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxPolicyLine = 4096;
inline constexpr size_t kMaxPolicyAttributes = 128;
inline constexpr size_t kMaxPolicyRequest = 64 * 1024;

struct PolicyRequest {
  std::map<std::string, std::string, std::less<>> attrs;
  // The attribute's value, or "" when absent.
  const std::string& get(std::string_view name) const;
};

class PolicyRequestParser {
 public:
  // Consumes bytes; appends every request completed by them to out. After an error the parser
  // stays failed (the caller closes the connection).
  Result<void> feed(std::string_view bytes, std::vector<PolicyRequest>& out);
  bool failed() const { return failed_; }
  // True when part of a request has been received (for idle-timeout decisions and logging).
  bool in_request() const { return !line_.empty() || !current_.attrs.empty(); }

 private:
  Result<void> fail(std::string message);
  Result<void> end_line(std::vector<PolicyRequest>& out);

  std::string line_;
  PolicyRequest current_;
  size_t request_bytes_ = 0;
  bool failed_ = false;
};

}  // namespace postern
