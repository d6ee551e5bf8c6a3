// decide_message: the end-of-message decision of postern-milter, composed from the named steps of
// outbound.h and inbound.h. In order: forged Authentication-Results fields claiming our authserv-id
// are removed from the last to the first (deleting forwards shifts the indexes, OpenDKIM's
// CVE-2022-48521); outbound mail gets its DKIM signatures; inbound mail gets Received-SPF (if
// configured), the rule for outside mail claiming our domains, DMARC and its verdict, and our one
// Authentication-Results header; a sender-ownership warning (soft mode) becomes
// X-Postern-Sender-Warning. The log fields are those of the milter's "message" line, ending in
// action=accept|reject|tempfail|hold. DNS only through the DmarcEvaluator given (null: DMARC is
// off), bounded by deadline; no other I/O, so every step is tested without a daemon
// (tests/message/).
#pragma once

#include <optional>

#include "common/core/deadline.h"
#include "common/dmarc/evaluator.h"
#include "common/message/facts.h"
#include "common/message/inbound.h"
#include "common/message/outbound.h"
#include "common/message/policy.h"
#include "common/message/verdict.h"

namespace postern {

struct MessageDecision {
  EomResult result;
  LogFields log;
  std::optional<DmarcStep> dmarc;  // when DMARC was evaluated, for the report log
};

MessageDecision decide_message(const MessageFacts& facts, const MessagePolicy& policy,
                               const DmarcEvaluator* dmarc, Deadline deadline);

// The log's action word for a result: reject, tempfail, hold (quarantined) or accept.
const char* action_word(const EomResult& r);

}  // namespace postern
