// The outbound steps of the per-message decision: which direction a message goes, what sender
// ownership's refusal turns into under [sender].mode, whether and with which keys an outbound
// message is signed, and the DKIM-Signature edits of a finished signing. Pure functions of the
// message's facts and the configuration (no I/O); the ownership verdicts themselves are
// common/sender/enforce.h, the keys common/dkim/signing_policy.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/dkim/dkim.h"
#include "common/dkim/signing_policy.h"
#include "common/message/facts.h"
#include "common/message/policy.h"
#include "common/message/verdict.h"
#include "common/net/ip.h"

namespace postern {

// Outbound: an authenticated login, or a client inside [dkim].internal_networks.
bool is_outbound(const std::string& login, const std::optional<IpAddress>& client_ip,
                 const std::vector<IpNetwork>& internal_networks);

// A sender-ownership refusal under [sender].mode: enforce gives the refusal; soft continues, says
// warn and keeps the message's first refusal text in warning (its X-Postern-Sender-Warning).
struct SenderOutcome {
  Verdict verdict;
  bool warn = false;
};
SenderOutcome sender_refusal(const Verdict& refusal, const SenderConfig& config, std::string& warning);

// Whether an outbound message is signed: plans to sign with, or the note saying why not (both empty:
// signing is not configured). signing: null when nothing is signed; owners_enabled: [sender] is on.
struct SigningDecision {
  std::vector<DkimSignPlan> plans;
  std::string note;
};
SigningDecision plan_signing(const MessageFacts& facts, const MessagePolicy& policy,
                             const DkimSigningPolicy* signing, bool owners_enabled);

// The edits and log fields of an outbound message: its DKIM-Signature headers inserted at the top
// (the first plan's signature first), or the failure or note in the log.
void decide_outbound(const MessageFacts& facts, EomResult& out, LogFields& log);

}  // namespace postern
