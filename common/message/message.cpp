// Implements decide_message. Contract in message.h.
#include "common/message/message.h"

namespace postern {

const char* action_word(const EomResult& r) {
  if (r.verdict.kind == Verdict::Kind::reject) return "reject";
  if (r.verdict.kind == Verdict::Kind::tempfail) return "tempfail";
  return r.quarantine.empty() ? "accept" : "hold";
}

MessageDecision decide_message(const MessageFacts& f, const MessagePolicy& policy,
                               const DmarcEvaluator* dmarc, Deadline deadline) {
  MessageDecision d;
  EomResult& out = d.result;
  // Forged Authentication-Results claiming our id: removed from the last to the first, so each
  // index still names the field it named when the headers arrived.
  for (auto it = f.forged_ar.rbegin(); it != f.forged_ar.rend(); ++it)
    out.edits.push_back({HeaderEdit::Op::remove, "Authentication-Results", "", *it});

  d.log.emplace_back("queue_id", f.queue_id);
  d.log.emplace_back("client", f.client);
  d.log.emplace_back("direction", f.outbound ? "outbound" : "inbound");
  if (!f.login.empty()) d.log.emplace_back("login", f.login);
  if (!f.forged_ar.empty()) d.log.emplace_back("forged_ar_removed", std::to_string(f.forged_ar.size()));

  if (f.outbound)
    decide_outbound(f, out, d.log);
  else
    d.dmarc = decide_inbound(f, policy, dmarc, deadline, out, d.log);

  if (!f.sender_warning.empty())
    out.edits.push_back({HeaderEdit::Op::add, "X-Postern-Sender-Warning", f.sender_warning, 0});
  if (!f.login.empty()) d.log.emplace_back("sender_check", f.sender_warning.empty() ? "pass" : "warn");
  d.log.emplace_back("action", action_word(out));
  return d;
}

}  // namespace postern
