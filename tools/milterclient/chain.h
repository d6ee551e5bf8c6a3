// Several milters in a row, as Postfix runs them when smtpd_milters names more than one: each
// message's SMTP session and content go to the first milter, then, as that milter modified them
// (headers added, inserted, changed or deleted, body replaced, sender and recipients changed), to
// the second, and so on. The first milter that rejects, tempfails or discards the message decides
// it and the rest never see it (as in Postfix); a quarantine carries on to the next milter. The
// combined verdict lists every milter's modifications in order. What milters send is untrusted:
// apply_verdict bounds the edited message by message.h's limits and never asserts; an out-of-range
// header index appends (insert) or adds the field (change), as the MTA does. Limits: at most
// kMaxChainMilters milters; recipients a milter refused one by one are not removed for the next.
#pragma once

#include <memory>
#include <vector>

#include "common/core/result.h"
#include "tools/milterclient/message.h"
#include "tools/milterclient/session.h"
#include "tools/milterclient/verdict.h"

namespace postern::mta {

inline constexpr size_t kMaxChainMilters = 16;

// Applies v's modifications to message and envelope: what the next milter of a chain receives.
// leading_space: the milter negotiated SMFIP_HDR_LEADSPC, so header values are exactly what
// follows the colon; otherwise one space is put after the colon as the MTA writes it. Header
// values' line ends are stored as LF (CRs right before a LF dropped), as parse_message stores
// folded fields.
Result<void> apply_verdict(const Verdict& v, bool leading_space, Message& message, Envelope& envelope);

class Chain {
 public:
  // One connection per milter (options[i].milter), opened in order. At least one, at most
  // kMaxChainMilters.
  static Result<std::unique_ptr<Chain>> open(const std::vector<ClientOptions>& options);

  // Runs the message through each milter in turn and returns the combined verdict. An Error
  // (naming the milter by its position) means a connection is broken: drop the chain.
  Result<Verdict> run(const Envelope& envelope, const Message& message);

  // False when any connection can carry no further message (see Connection::reusable).
  bool reusable() const;
  const std::vector<std::unique_ptr<Connection>>& connections() const { return conns_; }
  void quit();

 private:
  std::vector<std::unique_ptr<Connection>> conns_;
};

}  // namespace postern::mta
