// Implements GuardPolicy. Contract in guard_policy.h.
#include "common/policy/guard_policy.h"

#include <unistd.h>

#include "common/greylist/sender.h"
#include "common/guard/hold_alert.h"

namespace postern {

GuardPolicy::GuardPolicy(AccountGuard& guard, const Clock& clock, std::shared_ptr<Logger> log,
                         std::shared_ptr<StoreOutage> outage, std::string store_name, AlertQueue* alerts)
    : guard_(guard),
      clock_(clock),
      log_(std::move(log)),
      outage_(std::move(outage)),
      store_name_(std::move(store_name)),
      alerts_(alerts) {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) host_ = name;
}

void GuardPolicy::failed(const Error& e) {
  if (!outage_->failed()) return;
  LogLine(*log_, LogLevel::error, "store_failure")
      .kv("what", "account guard")
      .kv("outcome", "not held")
      .kv("error", e.message)
      .kv("store", store_name_);
}

void GuardPolicy::alert(const std::string& login) {
  const auto& c = guard_.config();
  if (c.alert_to.empty() || !alerts_) return;
  auto first = guard_.claim_alert(login);
  if (!first || !*first) return;
  auto st = guard_.status(login);
  if (!st) return;
  alerts_->post(AlertMail{c.sendmail,
                          c.alert_to,
                          build_hold_alert(*st, c.alert_to, host_, clock_.unix_seconds()),
                          {{"login", login}, {"what", "account held"}}});
}

std::optional<SendLimitAnswer> GuardPolicy::decide(const PolicyRequest& req) {
  const std::string& login = req.get("sasl_username");
  if (login.empty()) return std::nullopt;
  const std::string& state = req.get("protocol_state");
  if (state == "RCPT") {
    if (auto r = guard_.note_recipient_domain(login, address_domain(req.get("recipient"))); !r)
      failed(r.error());
    return std::nullopt;
  }
  if (state != "END-OF-MESSAGE") return std::nullopt;
  auto held = guard_.held(login);
  if (!held) {
    failed(held.error());
    return std::nullopt;
  }
  if (!*held) return std::nullopt;
  LogLine(*log_, LogLevel::warning, "account_held_message")
      .kv("login", login)
      .kv("queue_id", req.get("queue_id"))
      .kv("action", "hold");
  alert(login);
  return SendLimitAnswer{"HOLD account held by the Postern account guard", "account guard: login held"};
}

}  // namespace postern
