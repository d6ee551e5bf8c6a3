// The milter's configuration-derived state. libmilter calls plain C callbacks without a user
// pointer, so the process's current App is reached through current_app(): an immutable snapshot
// built by build_app() from one loaded config and replaced as a whole by publish_app() when the
// configuration is reloaded (SIGHUP, milter/reload.h). Each SMTP connection holds the snapshot it
// started a message with, so a message in flight finishes under the config it began with and the
// old snapshot is freed when its last connection lets go. Everything in an App is immutable after
// build_app() or thread-safe on its own.
#pragma once

#include <memory>
#include <string>

#include "common/config/config.h"
#include "common/core/result.h"
#include "common/dkim/dkim.h"
#include "common/dkim/signing_policy.h"
#include "common/dmarc/evaluator.h"
#include "common/dmarc/report_log.h"
#include "common/dns/resolver.h"
#include "common/guard/account_guard.h"
#include "common/log/log.h"
#include "common/message/policy.h"
#include "common/sender/provider.h"
#include "common/spf/evaluator.h"

struct smfiDesc;

namespace postern {

struct App {
  Config config;
  std::shared_ptr<Logger> log;
  std::unique_ptr<OwnershipProvider> owners;  // null when [sender].enabled = false
  SystemClock clock;
  MessagePolicy policy;                        // what the per-message decision needs (authserv_id, ...)
  std::shared_ptr<Resolver> resolver;          // [dns], with the TTL cache
  std::unique_ptr<DkimEngine> dkim;            // null when [dkim].enabled = false
  std::unique_ptr<DkimSigningPolicy> signing;  // null when nothing is signed
  std::unique_ptr<SpfEvaluator> spf;           // null when [spf].enabled = false
  std::unique_ptr<DmarcEvaluator> dmarc;       // null when [dmarc].enabled = false
  std::unique_ptr<DmarcReportLog> dmarc_log;   // null when [dmarc].report_log = ""
  // [account_guard]: sender-ownership refusals are its sender_refused sign. Null when off. Its
  // store is opened once per process (the first config's [store]) and shared by later snapshots.
  std::shared_ptr<AccountGuard> guard;
};

// Builds everything the config asks for: sender maps (read now), DNS resolver, DKIM engine and
// signing keys (read now), SPF and DMARC evaluators. Errors name config_path and what is wrong;
// nothing is half-built on error.
Result<std::shared_ptr<const App>> build_app(const Config& config, const std::string& config_path,
                                             std::shared_ptr<Logger> log);

// The current snapshot (never null once main() has published the first one).
std::shared_ptr<const App> current_app();
void publish_app(std::shared_ptr<const App> app);

smfiDesc* milter_description();

}  // namespace postern
