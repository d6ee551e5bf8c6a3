// Implements the outbound steps. Contract in outbound.h.
#include "common/message/outbound.h"

#include <algorithm>

namespace postern {

bool is_outbound(const std::string& login, const std::optional<IpAddress>& client_ip,
                 const std::vector<IpNetwork>& internal_networks) {
  if (!login.empty()) return true;
  if (!client_ip) return false;
  return std::any_of(internal_networks.begin(), internal_networks.end(),
                     [&](const IpNetwork& n) { return n.contains(*client_ip); });
}

SenderOutcome sender_refusal(const Verdict& refusal, const SenderConfig& config, std::string& warning) {
  if (config.mode != SenderMode::soft) return {refusal, false};
  if (warning.empty()) warning = refusal.text;
  return {Verdict{}, true};
}

SigningDecision plan_signing(const MessageFacts& f, const MessagePolicy& policy,
                             const DkimSigningPolicy* signing, bool owners_enabled) {
  SigningDecision d;
  if (!signing || !policy.dkim_sign) return d;
  if (!f.sender_warning.empty()) {
    d.note = "not signed: sender ownership warning";
  } else if (!f.login.empty() && !owners_enabled) {
    d.note = "not signed: [sender] is disabled, so the login's right to the From: address is unknown";
  } else if (f.from.fields != 1) {
    d.note = "not signed: not exactly one From: field";
  } else if (!f.from.author) {
    d.note = "not signed: From: is not one address";
  } else {
    const MailAddress& author = *f.from.author;
    d.plans = signing->plans_for(author.local_part + "@" + author.ascii_domain());
    if (d.plans.empty()) d.note = "not signed: no key for the From: address";
  }
  return d;
}

void decide_outbound(const MessageFacts& f, EomResult& out, LogFields& log) {
  if (f.signatures) {
    const auto& sigs = *f.signatures;
    if (sigs) {
      // Inserted at the top, the first plan's signature ending up first.
      for (auto it = sigs->rbegin(); it != sigs->rend(); ++it)
        out.edits.push_back({HeaderEdit::Op::insert, "DKIM-Signature", *it, 0});
      std::string signed_by;
      for (const auto& p : f.plans) signed_by += (signed_by.empty() ? "" : ",") + p.domain + "/" + p.selector;
      log.emplace_back("dkim", "signed");
      log.emplace_back("dkim_keys", signed_by);
    } else {
      log.emplace_back("dkim", "sign_failed");
      log.emplace_back("dkim_error", sigs.error().message);
    }
  } else if (!f.dkim_note.empty()) {
    log.emplace_back("dkim", f.dkim_note);
  }
}

}  // namespace postern
