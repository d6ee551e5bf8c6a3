// SPF macro expansion (RFC 7208 section 7): %{s l o d i p h v} in domain-specs, plus c r t in
// explanation strings; transformers (keep the N right-most parts, reverse), delimiters
// ".-+,/_=", URL-escaping for upper-case letters, %% %_ %-. A pure function of the string and
// the context: the "p" macro's validated name is looked up by the caller beforehand (it costs DNS
// queries) and passed in. Results of domain-specs longer than 253 bytes lose labels from the
// left (section 7.3). Bounded: at most kMaxSpfMacroOutput bytes of output.
#pragma once

#include <string>
#include <string_view>

#include "common/core/result.h"
#include "common/net/ip.h"

namespace postern {

inline constexpr size_t kMaxSpfMacroOutput = 8192;

struct SpfMacroContext {
  std::string sender;  // local-part@domain (postmaster@helo for the null sender)
  std::string domain;  // the current domain (<domain> of check_host)
  IpAddress ip;
  std::string helo;
  std::string validated_name = "unknown";  // for %{p}
  std::string receiver = "unknown";        // for %{r}
  int64_t timestamp = 0;                   // for %{t}
};

// explanation: c, r and t are allowed and the result is not truncated to a domain name.
Result<std::string> expand_spf_macros(std::string_view s, const SpfMacroContext& ctx, bool explanation);

}  // namespace postern
