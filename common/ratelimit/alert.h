// The alert mail to the admin when a send limit refuses a message ([policyd.ratelimit]
// alert_to): which limit, the subject's recent counts, what happened to the message and how to
// let the subject send again. Pure function building the whole message (header and body, LF line
// ends; sendmail -i takes it as is). Every value from outside (the login, the address) passes
// through log_safe(), so it cannot break the header or add fields.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/ratelimit/limiter.h"

namespace postern {

// What the refused message got; the name is the log line's action=.
enum class LimitOutcome { defer, hold, reject };
inline const char* to_string(LimitOutcome o) {
  switch (o) {
    case LimitOutcome::hold:
      return "hold";
    case LimitOutcome::reject:
      return "reject";
    case LimitOutcome::defer:
      break;
  }
  return "defer";
}

struct LimitAlert {
  std::string to;
  std::string host;  // this host's name, for the reader
  LimitOutcome outcome = LimitOutcome::defer;
  RateDecision decision;
  std::vector<RateCounterRow> counts;  // the subject's counters now
  std::vector<SendLimit> limits;       // the limits in force for the subject (for count/limit)
  int64_t now = 0;                     // unix seconds
};

std::string build_limit_alert(const LimitAlert& a);

}  // namespace postern
