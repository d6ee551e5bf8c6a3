// SendLimitPolicy: the send-limit part of postern-policyd's answer ([policyd.ratelimit]), between
// Postfix's policy request and the core's RateLimiter (common/ratelimit/limiter.h). It judges
//   END-OF-MESSAGE with a SASL login (smtpd_end_of_data_restrictions): one message with
//     recipient_count recipients and size bytes, against the login and sender-domain limits;
//   RCPT without a login from [policyd] trusted_networks (smtpd_recipient_restrictions): one
//     recipient, and one message at the first recipient of a transaction, against the
//     client-address and sender-domain limits.
// Other requests are not its business (nullopt). Over a limit: DEFER_IF_PERMIT 4.7.1 saying when
// there is room again, or HOLD with action = "hold"; a message that alone exceeds a limit is
// rejected (5.7.1) with action = "defer", as no retry could pass. One "ratelimit" log line per
// refusal; a login's refusal is also the account guard's ratelimit sign. With alert_to, the first refusal per
// subject, limit and window (across every process on the store) also mails the admin (ratelimit/alert.h)
// through [policyd.ratelimit] sendmail: the mail is built on the request's thread and queued on the
// AlertQueue (common/mail/alert_queue.h), whose own thread runs sendmail, so the answer never waits
// for it; the outcome is logged there (alert_sent or alert_failed) and changes nothing in the answer. A store
// failure gives on_store_failure (accept or defer), logged once per outage through the StoreOutage shared
// with greylisting. Attribute values are untrusted: counts that do not parse count as 1 recipient and 0
// bytes. Immutable after init(); thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/guard/account_guard.h"
#include "common/log/log.h"
#include "common/mail/alert_queue.h"
#include "common/net/ip.h"
#include "common/policy/request_parser.h"
#include "common/ratelimit/alert.h"
#include "common/ratelimit/limiter.h"
#include "common/ratelimit/ratelimit_config.h"
#include "common/store/outage.h"

namespace postern {

struct SendLimitAnswer {
  std::string action;  // for Postfix, without "action="
  std::string reason;  // for the decision's log line
};

class SendLimitPolicy {
 public:
  SendLimitPolicy(const RatelimitConfig& config, std::vector<IpNetwork> trusted, Store& store,
                  const Clock& clock, std::shared_ptr<Logger> log, std::shared_ptr<StoreOutage> outage,
                  AccountGuard* guard = nullptr, AlertQueue* alerts = nullptr);
  // Reads the overrides file; returns every problem found (empty = ok).
  std::vector<std::string> init();
  std::optional<SendLimitAnswer> decide(const PolicyRequest& req);

 private:
  SendLimitAnswer refused(const RateDecision& d, int64_t now);
  void alert(const RateDecision& d, LimitOutcome outcome, int64_t now);

  RatelimitConfig config_;
  std::vector<IpNetwork> trusted_;
  Store& store_;
  const Clock& clock_;
  std::shared_ptr<Logger> log_;
  std::shared_ptr<StoreOutage> outage_;
  std::unique_ptr<RateLimiter> limiter_;
  std::string host_;
  AccountGuard* guard_;  // gets the ratelimit sign of a login's refusal; may be null
  AlertQueue* alerts_;   // sends the alert mails; null: none sent
};

// "100 messages per 1h", "500 recipients per 1d", "200M bytes per 1h".
std::string limit_words(const SendLimit& l, LimitMetric m);

}  // namespace postern
