// Fuzz target: the MTA-STS policy parser (tools/posternctl/transport/mta_sts_policy.h). What parses
// must keep the limits, render back to a policy that parses to the same value, and every mx
// pattern must be a host name or "*." and one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tools/posternctl/transport/mta_sts_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace postern::ctl;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = parse_mta_sts_policy(in);
  if (!p) return 0;
  if (p->max_age > kMaxMtaStsMaxAge || p->mx.size() > kMaxMtaStsMxPatterns) std::abort();
  if (p->mx.empty() && p->mode != MtaStsMode::none) std::abort();
  for (const auto& mx : p->mx) {
    std::string_view host = mx.rfind("*.", 0) == 0 ? std::string_view(mx).substr(2) : std::string_view(mx);
    if (!valid_host_name(host)) std::abort();
    if (mx.rfind("*.", 0) != 0 && !mx_pattern_matches(mx, mx)) std::abort();
  }
  auto again = parse_mta_sts_policy(render_mta_sts_policy(*p));
  if (!again || again->mode != p->mode || again->mx != p->mx || again->max_age != p->max_age) std::abort();
  if (mta_sts_policy_id(in).size() != kMaxMtaStsIdLength) std::abort();
  return 0;
}
