// [policyd.ratelimit] and its [[policyd.ratelimit.limit]] tables: per-login send limits of
// postern-policyd (enforced by common/ratelimit/limiter.h). The overrides file named here is read
// by the daemon (start, reload, -t), not by the config reader.
#pragma once

#include <string>
#include <vector>

#include "common/config/reader.h"
#include "common/ratelimit/limit.h"

namespace postern {

// What a request over a limit gets.
enum class RateAction {
  defer,  // DEFER_IF_PERMIT 4.7.1 with a text saying when the limit has room again
  hold,   // HOLD: accepted into Postfix's hold queue for the admin to release or delete
};
// What a request gets while the store fails.
enum class RateStoreFailureAction { accept, defer };

inline constexpr Choice<RateAction> kRateActions[] = {{"defer", RateAction::defer},
                                                      {"hold", RateAction::hold}};
inline constexpr Choice<RateStoreFailureAction> kRateStoreFailureActions[] = {
    {"accept", RateStoreFailureAction::accept}, {"defer", RateStoreFailureAction::defer}};
// The names are those of limit_by_name (limit.h), which the store keys use.
inline constexpr Choice<LimitBy> kLimitBys[] = {{"login", LimitBy::login},
                                                {"sender_domain", LimitBy::sender_domain},
                                                {"client_address", LimitBy::client_address}};

struct RatelimitConfig {
  bool enabled = false;
  RateAction action = RateAction::defer;
  std::string overrides;  // path of the overrides file; "" = none
  RateStoreFailureAction on_store_failure = RateStoreFailureAction::accept;
  std::vector<SendLimit> limits;  // all checked; none by default
  // One mail per subject, limit and window to this address when a limit refuses ("" = none),
  // through this sendmail command (Postfix's; any path in tests).
  std::string alert_to;
  std::string sendmail = "/usr/sbin/sendmail";
};

void read_ratelimit_config(SectionReader& r, RatelimitConfig& c);

}  // namespace postern
