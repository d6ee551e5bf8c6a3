// The milter's process-wide state. libmilter calls plain C callbacks without a user pointer, so
// the one App of the process is reached through milter_app(), set once in main() before
// smfi_main() and never changed after: the only global in Postern, forced by libmilter's API.
// Everything in it is immutable after start or thread-safe on its own.
#pragma once

#include <memory>
#include <string>

#include "common/config/config.h"
#include "common/dkim/dkim.h"
#include "common/dkim/signing_policy.h"
#include "common/dmarc/evaluator.h"
#include "common/dmarc/report_log.h"
#include "common/dns/resolver.h"
#include "common/log/log.h"
#include "common/sender/provider.h"
#include "common/spf/evaluator.h"

struct smfiDesc;

namespace postern {

struct App {
  Config config;
  std::shared_ptr<Logger> log;
  std::unique_ptr<OwnershipProvider> owners;  // null when [sender].enabled = false
  SystemClock clock;
  std::string authserv_id;                     // [milter].authserv_id or the host name
  std::shared_ptr<Resolver> resolver;          // [dns], with the TTL cache
  std::vector<IpNetwork> internal_networks;    // [dkim].internal_networks
  std::vector<std::string> local_domains;      // [sender].local_domains or the DKIM key domains
  std::vector<IpNetwork> trusted_forwarders;   // [dmarc].trusted_forwarders
  std::unique_ptr<DkimEngine> dkim;            // null when [dkim].enabled = false
  std::unique_ptr<DkimSigningPolicy> signing;  // null when nothing is signed
  std::unique_ptr<SpfEvaluator> spf;           // null when [spf].enabled = false
  std::unique_ptr<DmarcEvaluator> dmarc;       // null when [dmarc].enabled = false
  std::unique_ptr<DmarcReportLog> dmarc_log;   // null when [dmarc].report_log = ""
};

App& milter_app();
void set_milter_app(App* app);
smfiDesc* milter_description();

}  // namespace postern
