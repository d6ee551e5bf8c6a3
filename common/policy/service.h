// PolicyService: the decision postern-policyd returns for one policy request, composed from the
// core: SASL-authenticated clients and trusted networks pass untouched; DNS lists score the client
// (REJECT at the reject threshold, forced greylisting at the greylist threshold, DNSWL hits skip
// greylisting); then greylisting, keyed by the SPF-verified sender domain instead of the client
// network when [policyd.greylist] spf_domain_key is on (SPF runs only when a triplet is needed;
// a temperror falls back to the network and is logged once). Only RCPT-stage requests are judged; others get
// DUNNO, except END-OF-MESSAGE and trusted-network RCPT requests, which get the send limits of
// [policyd.ratelimit] first (send_limits.h), and before them, with [account_guard], a held login
// gets HOLD (guard_policy.h). One log line per decision. A store failure gives [policyd.greylist]
// on_store_failure and is logged once per outage (store_failure when it begins, store_recovered when
// greylisting reads the store again), the outage state shared through a StoreOutage that outlives reloads.
// Immutable after init() but for that state, so many connection threads share it; a reload builds a new one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/config/policyd_config.h"
#include "common/dnsbl/dnsbl.h"
#include "common/greylist/greylist.h"
#include "common/log/log.h"
#include "common/policy/guard_policy.h"
#include "common/policy/request_parser.h"
#include "common/policy/send_limits.h"
#include "common/spf/evaluator.h"
#include "common/store/outage.h"

namespace postern {

class PolicyService {
 public:
  // outage: shared with the services a reload replaces this one with (a fresh one when null).
  // guard: [account_guard] (off by default). alerts: the queue that sends the alert mails, shared
  // like outage with the services a reload replaces this one with, so that one sender thread
  // serves them all (a fresh one when null and an alert_to is set).
  PolicyService(const PolicydConfig& config, Store& store, Resolver& resolver, const Clock& clock,
                std::shared_ptr<Logger> log, std::shared_ptr<StoreOutage> outage = nullptr,
                const AccountGuardConfig& guard = {}, std::shared_ptr<AlertQueue> alerts = nullptr);
  // Reads allowlist files and list specs; returns every problem found (empty = ok).
  std::vector<std::string> init();
  // The action line for Postfix, without "action=" (e.g. "DUNNO", "DEFER_IF_PERMIT 4.7.1 ...").
  std::string decide(const PolicyRequest& request);
  // A store failure seen outside a request (the daemon's start): logged unless the outage already was.
  void store_failed(const std::string& error);

 private:
  struct Answer {
    std::string action;  // for Postfix, without "action="
    std::string reason;  // for the log line
  };
  Answer decide_steps(const PolicyRequest& req, LogLine& line);
  std::optional<Answer> dnsbl_step(const IpAddress& ip, const PolicyRequest& req, LogLine& line, int& score);
  Answer greylist_step(const IpAddress& ip, const PolicyRequest& req, LogLine& line, int score);
  std::vector<DnsListSpec> self_test(std::vector<DnsListSpec> lists, bool domain);
  // The domain whose SPF the client passes (MAIL FROM, or HELO for the null sender), else "".
  std::string spf_key_domain(const IpAddress& ip, const PolicyRequest& req, LogLine& line) const;

  PolicydConfig config_;
  Store& store_;
  Resolver& resolver_;
  const Clock& clock_;
  std::shared_ptr<Logger> log_;
  std::shared_ptr<StoreOutage> outage_;
  std::shared_ptr<AlertQueue> alerts_;
  std::vector<IpNetwork> trusted_;
  std::unique_ptr<Greylister> greylister_;
  std::unique_ptr<DnsblChecker> dnsbl_;
  std::unique_ptr<SpfEvaluator> spf_;
  std::unique_ptr<SendLimitPolicy> send_limits_;  // null when [policyd.ratelimit] is off
  AccountGuardConfig guard_config_;
  std::unique_ptr<AccountGuard> guard_;  // null when [account_guard] is off
  std::unique_ptr<GuardPolicy> guard_policy_;
};

}  // namespace postern
