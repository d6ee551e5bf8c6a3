// postern-milter: the Postfix milter (smtpd_milters / non_smtpd_milters).
//   postern-milter [-c FILE] [-f] [-t]
// -c the configuration, -f foreground (log to stderr), -t check the configuration (and the sender
// maps) and exit. Exit 78 on configuration errors. Opens [milter].socket (a unix socket gets mode
// 0660 and group [milter].group, so Postfix's smtpd can connect), then drops to [milter].user.
// Sender maps are re-read when they change; SIGTERM stops (libmilter handles the signals).
// Decisions: milter/pipeline.h (sender ownership, DKIM signing and verification, DMARC,
// Authentication-Results).
#include <grp.h>
#include <libmilter/mfapi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "common/core/ascii.h"
#include "common/daemon/cmdline.h"
#include "common/daemon/privileges.h"
#include "common/daemon/socket_spec.h"
#include "common/dns/factory.h"
#include "common/log/factory.h"
#include "common/sender/from_config.h"
#include "milter/app.h"

using namespace postern;

namespace {

// Builds the DNS resolver, the DKIM engine and signing keys, the SPF and DMARC evaluators from the
// config. Errors name the file and what is wrong.
Result<void> build_checks(App& app, const std::string& config_path) {
  const Config& c = app.config;
  app.authserv_id = c.milter.authserv_id;
  if (app.authserv_id.empty()) {
    char host[256] = {};
    if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
      return Error::perm("cannot read the host name");
    app.authserv_id = host;
  }
  for (const auto& n : c.dkim.internal_networks) {
    if (auto net = IpNetwork::parse(n)) app.internal_networks.push_back(*net);
  }
  for (const auto& n : c.dmarc.trusted_forwarders) {
    if (auto net = IpNetwork::parse(n)) app.trusted_forwarders.push_back(*net);
  }
  for (const auto& d : c.sender.local_domains) app.local_domains.push_back(ascii_lower(d));
  for (const auto& k : c.dkim.keys) {
    if (c.sender.local_domains.empty()) app.local_domains.push_back(ascii_lower(k.domain));
  }
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
  if (c.spf.enabled) app.spf = std::make_unique<SpfEvaluator>(*app.resolver, SpfLimits{}, app.authserv_id);
  if (c.dmarc.enabled) {
    app.dmarc = std::make_unique<DmarcEvaluator>(*app.resolver, c.dmarc);
    if (!c.dmarc.report_log.empty())
      app.dmarc_log = std::make_unique<DmarcReportLog>(c.dmarc.report_log, app.clock);
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  DaemonArgs args;
  if (auto exit_code = parse_daemon_args(argc, argv, "postern-milter", args)) return *exit_code;
  const std::string& config_path = args.config_path;
  const bool foreground = args.foreground, check_only = args.check_only;
  auto load = load_config(config_path);
  if (!load.ok()) {
    for (const auto& e : load.errors) std::cerr << e.str() << "\n";
    return kExitConfig;
  }
  auto spec = parse_socket_spec(load.config.milter.socket);
  if (!spec) {
    std::cerr << config_path << ": milter.socket: " << spec.error().message << "\n";
    return kExitConfig;
  }
  static App app;  // lives until exit: libmilter's threads may still reference it
  app.config = load.config;
  app.log = make_logger(app.config.log, "postern-milter", foreground || check_only);
  if (app.config.sender.enabled) {
    app.owners =
        std::make_unique<OwnershipProvider>(ownership_sources(app.config.sender), app.clock, app.log.get());
    if (auto r = app.owners->load(); !r) {
      std::cerr << config_path << ": sender maps: " << r.error().message << "\n";
      return kExitConfig;
    }
  }
  if (auto r = build_checks(app, config_path); !r) {
    std::cerr << r.error().message << "\n";
    return kExitConfig;
  }
  if (check_only) {
    std::cout << "ok " << config_path << "\n";
    return 0;
  }
  set_milter_app(&app);

  std::string conn = spec->unix_socket
                         ? "unix:" + spec->path
                         : std::string(spec->host.find(':') != std::string::npos ? "inet6:" : "inet:") +
                               std::to_string(spec->port) + "@" + spec->host;
  if (smfi_setconn(conn.data()) != MI_SUCCESS || smfi_register(*milter_description()) != MI_SUCCESS) {
    std::cerr << "postern-milter: cannot set up libmilter for " << conn << "\n";
    return 1;
  }
  smfi_settimeout(300);
  mode_t old = umask(0007);
  if (smfi_opensocket(true) != MI_SUCCESS) {
    std::cerr << "postern-milter: cannot open " << spec->str() << "\n";
    return 1;
  }
  umask(old);
  if (spec->unix_socket) {
    // As root, hand the socket to [milter].group; otherwise the (setgid) socket directory already
    // gave it the right group, e.g. postfix in the packaged layout.
    if (group* g = geteuid() == 0 ? getgrnam(app.config.milter.group.c_str()) : nullptr) {
      if (chown(spec->path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
        std::cerr << "postern-milter: cannot set the group of " << spec->path << "\n";
      }
    }
    chmod(spec->path.c_str(), 0660);
  }
  auto dropped = drop_privileges(app.config.milter.user, app.config.milter.group);
  if (!dropped) {
    std::cerr << "postern-milter: " << dropped.error().message << "\n";
    return 1;
  }
  LogLine(*app.log, LogLevel::notice, "started")
      .kv("socket", spec->str())
      .kv("sender_ownership", app.config.sender.enabled ? app.config.sender.mode : "off")
      .kv("dkim_sign",
          app.signing ? std::to_string(app.signing->keys().size()) + " keys" : std::string("off"))
      .kv("dkim_verify", app.dkim && app.config.dkim.verify)
      .kv("spf", app.spf ? app.config.spf.fail_action : std::string("off"))
      .kv("dmarc", app.dmarc ? (app.config.dmarc.enforce ? "enforce" : "record") : "off")
      .kv("authserv_id", app.authserv_id)
      .kv("privileges", *dropped);
  int rc = smfi_main();
  LogLine(*app.log, LogLevel::notice, "stopped").kv("status", rc);
  return rc == MI_SUCCESS ? 0 : 1;
}
