// build_app and the current-snapshot holder (milter/app.h). The holder is a mutex around one
// shared_ptr: taken once per message, never on a hot per-chunk path.
#include "milter/app.h"

#include <unistd.h>

#include "common/core/mutex.h"
#include "common/dns/factory.h"
#include "common/sender/from_config.h"
#include "common/store/factory.h"

namespace postern {
namespace {

Mutex g_mutex;
std::shared_ptr<const App> g_current GUARDED_BY(g_mutex);

// The account guard's store: one per process (LMDB must not be opened twice in one process),
// opened by the first snapshot that needs it and kept by every later one.
Result<std::shared_ptr<Store>> guard_store(const Config& c) {
  static Mutex mu;
  static SystemClock clock;  // outlives every snapshot, as the store does
  static std::shared_ptr<Store> store GUARDED_BY(mu);
  MutexLock lock(mu);
  if (store) return store;
  auto opened = open_store(c.store, clock);
  if (!opened) return opened.error();
  store = std::shared_ptr<Store>(std::move(opened->store));
  return store;
}

Result<void> build_checks(App& app, const std::string& config_path) {
  const Config& c = app.config;
  std::string authserv_id = c.milter.authserv_id;
  if (authserv_id.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
      return Error::perm("cannot read the host name");
    authserv_id = host;
  }
  auto policy = build_message_policy(c, std::move(authserv_id), config_path);
  if (!policy) return policy.error();
  app.policy = std::move(*policy);
  if (!c.dkim.enabled && !c.dmarc.enabled && !c.spf.enabled) return {};
  auto resolver = make_resolver(c.dns, app.clock);
  if (!resolver) return Error::perm(config_path + ": [dns]: " + resolver.error().message);
  app.resolver = *resolver;
  if (c.dkim.enabled) {
    app.dkim = std::make_unique<DkimEngine>(dkim_options(c.dkim), *app.resolver, app.clock);
    if (c.dkim.sign) {
      auto policy = DkimSigningPolicy::load(c.dkim);
      if (!policy) return Error::perm(config_path + ": [dkim]: " + policy.error().message);
      app.signing = std::make_unique<DkimSigningPolicy>(std::move(*policy));
    }
  }
  if (c.spf.enabled)
    app.spf = std::make_unique<SpfEvaluator>(*app.resolver, SpfLimits{}, app.policy.authserv_id);
  if (c.dmarc.enabled) {
    app.dmarc = std::make_unique<DmarcEvaluator>(*app.resolver, c.dmarc);
    if (!c.dmarc.report_log.empty())
      app.dmarc_log = std::make_unique<DmarcReportLog>(c.dmarc.report_log, app.clock);
  }
  return {};
}

}  // namespace

Result<std::shared_ptr<const App>> build_app(const Config& config, const std::string& config_path,
                                             std::shared_ptr<Logger> log) {
  auto app = std::make_shared<App>();
  app->config = config;
  app->log = std::move(log);
  if (config.sender.enabled) {
    app->owners =
        std::make_unique<OwnershipProvider>(ownership_sources(config.sender), app->clock, app->log.get());
    if (auto r = app->owners->load(); !r)
      return Error::perm(config_path + ": sender maps: " + r.error().message);
  }
  if (auto r = build_checks(*app, config_path); !r) return r.error();
  if (config.account_guard.enabled) {
    auto store = guard_store(config);
    if (!store) return Error::perm(config_path + ": account_guard: store: " + store.error().message);
    app->guard = std::make_shared<AccountGuard>(**store, app->clock, config.account_guard, app->log);
  }
  return std::shared_ptr<const App>(std::move(app));
}

std::shared_ptr<const App> current_app() {
  MutexLock lock(g_mutex);
  return g_current;
}

void publish_app(std::shared_ptr<const App> app) {
  MutexLock lock(g_mutex);
  g_current.swap(app);  // the old snapshot lives on in the connections that still hold it
}

}  // namespace postern
