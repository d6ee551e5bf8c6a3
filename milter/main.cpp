// postern-milter: the Postfix milter (smtpd_milters / non_smtpd_milters).
//   postern-milter [-c FILE] [-f] [-t]
// -c the configuration, -f stay in the foreground (it never forks; logs go where [log] says), -t
// check the configuration (and the sender maps) and exit. Exit 78 on configuration errors. Opens
// [milter].socket (a unix socket gets mode 0660 and group [milter].group, so Postfix's smtpd can
// connect), then drops to [milter].user.
// Sender maps are re-read when they change. SIGHUP re-reads the configuration, keys and maps
// (milter/reload.h; a configuration that does not load is refused and the running one stays);
// SIGTERM stops (through libmilter).
// libmilter's packet limit is raised from 65,535 bytes to kMilterMaxPacket (smfi_setmaxdatasize),
// so a header field over 64 KB from the MTA is filtered, not a dropped session (Postfix itself cuts
// fields at 60,000 bytes when milters are on; docs/milter.md, "Large header fields").
// Raises its descriptor soft limit to the hard one at start (fd_limit.h) and backs off when accept()
// runs out of them (milter/overrides/overrides.h).
// Decisions: milter/pipeline.h (sender ownership, DKIM signing and verification, DMARC,
// Authentication-Results).
#include <grp.h>
#include <libmilter/mfapi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "common/core/ascii.h"
#include "common/daemon/cmdline.h"
#include "common/daemon/fd_limit.h"
#include "common/daemon/privileges.h"
#include "common/daemon/socket_spec.h"
#include "common/log/factory.h"
#include "milter/app.h"
#include "milter/overrides/overrides.h"
#include "milter/reload.h"

using namespace postern;

namespace {

// libmilter drops the connection (without a callback saying why) on a packet larger than this.
// 1 MiB - 1 is libmilter's own largest setting (MILTER_MDS_1M); a packet is allocated whole.
constexpr size_t kMilterMaxPacket = 1024 * 1024 - 1;

// Settings a reload cannot apply to a running daemon: the socket is open, privileges are gone, the
// logger is built. `running` is the configuration the daemon started with: what stays in force for
// these, whatever later reloads said (comparing with the last reload would forget a change after
// the next one, and report a return to the running value as a change).
std::string restart_only_changes(const Config& running, const Config& next) {
  std::string changed;
  auto note = [&](bool differs, const char* key) {
    if (differs) changed += (changed.empty() ? "" : ",") + std::string(key);
  };
  note(running.milter.socket != next.milter.socket, "milter.socket");
  note(running.milter.user != next.milter.user, "milter.user");
  note(running.milter.group != next.milter.group, "milter.group");
  note(running.log != next.log, "log");
  return changed;
}

// [dkim] key_cache: parsed DKIM public keys, shared across messages and reloads
// (public_key_cache.h), served to libopendkim through the milter's d2i_PUBKEY_bio() (overrides.h).
// Returns whether the cache is in use.
bool apply_key_cache(bool on) {
  static PublicKeyCache cache;
  if (!on) {
    install_libopendkim_key_cache(nullptr);
    return false;
  }
  return install_libopendkim_key_cache(&cache);
}

// SIGHUP: the new configuration replaces the running one only if it loads and builds completely;
// otherwise the running one stays and one log line says why. Runs on the ReloadWatcher's thread,
// never on one of libmilter's, so sessions go on meanwhile. `started`: the configuration of the
// start.
void reload(const std::string& config_path, const Config& started, const std::shared_ptr<Logger>& log) {
  auto load = load_config(config_path);
  if (!load.ok()) {
    LogLine(*log, LogLevel::error, "reload_refused")
        .kv("config", config_path)
        .kv("errors", load.errors.size())
        .kv("first", load.errors.front().str());
    return;
  }
  auto next = build_app(load.config, config_path, log);
  if (!next) {
    LogLine(*log, LogLevel::error, "reload_refused")
        .kv("config", config_path)
        .kv("error", next.error().message);
    return;
  }
  std::string restart = restart_only_changes(started, load.config);
  const bool key_cache_on = apply_key_cache(load.config.dkim.key_cache);
  publish_app(*next);
  const App& app = **next;
  LogLine line(*log, LogLevel::notice, "reloaded");
  line.kv("config", config_path)
      .kv("dkim_sign",
          app.signing ? std::to_string(app.signing->keys().size()) + " keys" : std::string("off"))
      .kv("dkim_key_cache", key_cache_on)
      .kv("spf", app.spf ? to_string(app.config.spf.fail_action) : std::string_view("off"))
      .kv("dmarc", app.dmarc ? (app.config.dmarc.enforce ? "enforce" : "record") : "off");
  if (!restart.empty()) line.kv("restart_needed_for", restart);
}

// After dropping privileges: the files a reload re-reads must be readable now, or the first
// reload would be refused; say so at start rather than then.
void warn_unreadable(const Config& c, const Logger& log) {
  std::vector<std::string> files;
  for (const auto& k : c.dkim.keys) files.push_back(k.key_file);
  if (c.sender.enabled) {
    for (const auto& m : c.sender.login_maps) files.push_back(m);
    if (!c.sender.sqlite_path.empty()) files.push_back(c.sender.sqlite_path);
  }
  for (const auto& f : files) {
    if (!f.empty() && access(f.c_str(), R_OK) != 0) {
      LogLine(log, LogLevel::warning, "unreadable_after_privilege_drop")
          .kv("file", f)
          .kv("effect", "a reload (SIGHUP) will be refused until the daemon user can read it");
    }
  }
}

// Descriptors the milter should be able to open: libmilter keeps a thread and a socket per
// Postfix connection (one per smtpd process; Postfix's default_process_limit is 100, busy servers
// raise it), and each message's DNS lookups (SPF, DKIM keys, DMARC) take a socket per query in
// flight.
constexpr uint64_t kMilterFdsWanted = 4096;

}  // namespace

int main(int argc, char** argv) {
  DaemonArgs args;
  if (auto exit_code = parse_daemon_args(argc, argv, "postern-milter", args)) return *exit_code;
  const std::string& config_path = args.config_path;
  const bool check_only = args.check_only;
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
  auto log = make_logger(load.config.log, "postern-milter", check_only);
  auto built = build_app(load.config, config_path, log);
  if (!built) {
    std::cerr << built.error().message << "\n";
    return kExitConfig;
  }
  if (check_only) {
    std::cout << "ok " << config_path << "\n";
    return 0;
  }
  publish_app(*built);
  const Config& config = (*built)->config;
  const bool key_cache_on = apply_key_cache(config.dkim.key_cache);
  // Before libmilter starts its threads: SIGHUP must be blocked in all of them.
  ReloadWatcher reloads([&config_path, &config, log] { reload(config_path, config, log); });

  std::string conn = spec->unix_socket
                         ? "unix:" + spec->path
                         : std::string(spec->host.find(':') != std::string::npos ? "inet6:" : "inet:") +
                               std::to_string(spec->port) + "@" + spec->host;
  if (smfi_setconn(conn.data()) != MI_SUCCESS || smfi_register(*milter_description()) != MI_SUCCESS) {
    std::cerr << "postern-milter: cannot set up libmilter for " << conn << "\n";
    return 1;
  }
  smfi_settimeout(300);
  smfi_setmaxdatasize(kMilterMaxPacket);
  mode_t old = umask(0007);
  if (smfi_opensocket(true) != MI_SUCCESS) {
    std::cerr << "postern-milter: cannot open " << spec->str() << "\n";
    return 1;
  }
  umask(old);
  if (spec->unix_socket) {
    // As root, hand the socket to [milter].group; otherwise the (setgid) socket directory already
    // gave it the right group, e.g. postfix in the packaged layout.
    if (group* g = geteuid() == 0 ? getgrnam(config.milter.group.c_str()) : nullptr) {
      if (chown(spec->path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
        std::cerr << "postern-milter: cannot set the group of " << spec->path << "\n";
      }
    }
    chmod(spec->path.c_str(), 0660);
  }
  // The soft descriptor limit up to the hard one (fd_limit.h); at the limit, accept() backs off
  // and logs (overrides.h) instead of libmilter spinning.
  const FdLimit fds = raise_fd_limit(kMilterFdsWanted);
  if (!fds.enough()) {
    LogLine(*log, LogLevel::warning, "fd_limit_low")
        .kv("limit", static_cast<unsigned long long>(fds.now))
        .kv("wanted", static_cast<unsigned long long>(fds.needed))
        .kv("outcome",
            "at the limit new connections wait (accept_failed) and DNS lookups fail (temperror); "
            "raise LimitNOFILE (hard limit)");
  }
  set_accept_log(log);
  auto dropped = drop_privileges(config.milter.user, config.milter.group);
  if (!dropped) {
    std::cerr << "postern-milter: " << dropped.error().message << "\n";
    return 1;
  }
  warn_unreadable(config, *log);
  const App& app = **built;
  LogLine(*log, LogLevel::notice, "started")
      .kv("socket", spec->str())
      .kv("sender_ownership",
          app.config.sender.enabled ? to_string(app.config.sender.mode) : std::string_view("off"))
      .kv("dkim_sign",
          app.signing ? std::to_string(app.signing->keys().size()) + " keys" : std::string("off"))
      .kv("dkim_verify", app.dkim && app.config.dkim.verify)
      .kv("dkim_key_cache", key_cache_on)
      .kv("spf", app.spf ? to_string(app.config.spf.fail_action) : std::string_view("off"))
      .kv("dmarc", app.dmarc ? (app.config.dmarc.enforce ? "enforce" : "record") : "off")
      .kv("authserv_id", app.policy.authserv_id)
      .kv("fd_limit", static_cast<unsigned long long>(fds.now))
      .kv("privileges", *dropped);
  int rc = smfi_main();
  LogLine(*log, LogLevel::notice, "stopped").kv("status", rc);
  return rc == MI_SUCCESS ? 0 : 1;
}
