// MilterDaemon. Contract in daemon.h.
#include "milter/daemon.h"

#include <grp.h>
#include <libmilter/mfapi.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include "milter/overrides/overrides.h"
#include "milter/reload.h"

namespace postern {
namespace {

// libmilter drops the connection (without a callback saying why) on a packet larger than this.
// 1 MiB - 1 is libmilter's own largest setting (MILTER_MDS_1M); a packet is allocated whole.
constexpr size_t kMilterMaxPacket = 1024 * 1024 - 1;

// Descriptors the milter should be able to open: libmilter keeps a thread and a socket per
// Postfix connection (one per smtpd process; Postfix's default_process_limit is 100, busy servers
// raise it), and each message's DNS lookups (SPF, DKIM keys, DMARC) take a socket per query in
// flight.
constexpr uint64_t kMilterFdsWanted = 4096;

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

}  // namespace

DaemonSettings MilterDaemon::settings(const Config& c) const {
  return {"milter", c.milter.socket, c.milter.user, c.milter.group};
}

uint64_t MilterDaemon::fds_needed(const Config&) const { return kMilterFdsWanted; }

void MilterDaemon::fd_limit_low(const Config&, const FdLimit& l, LogLine& line) const {
  line.kv("wanted", static_cast<unsigned long long>(l.needed))
      .kv("outcome",
          "at the limit new connections wait (accept_failed) and DNS lookups fail (temperror); "
          "raise LimitNOFILE (hard limit)");
}

std::vector<std::string> MilterDaemon::check(const Config& c, const std::string& config_path) {
  auto built = build_app(c, config_path, log_);
  if (!built) return {built.error().message};
  return {};
}

Built MilterDaemon::build(const Config& c, const std::string& config_path) {
  auto next = build_app(c, config_path, log_);
  if (!next) return {{next.error().message}, nullptr};
  return {{}, [this, app = *next] {
            key_cache_on_ = apply_key_cache(app->config.dkim.key_cache);
            publish_app(app);
            app_ = app;
          }};
}

StartStep MilterDaemon::listen(const SocketSpec& spec, const Config& c) {
  std::string conn = spec.unix_socket
                         ? "unix:" + spec.path
                         : std::string(spec.host.find(':') != std::string::npos ? "inet6:" : "inet:") +
                               std::to_string(spec.port) + "@" + spec.host;
  if (smfi_setconn(conn.data()) != MI_SUCCESS || smfi_register(*milter_description()) != MI_SUCCESS)
    return StartError{1, "cannot set up libmilter for " + conn};
  smfi_settimeout(300);
  smfi_setmaxdatasize(kMilterMaxPacket);
  mode_t old = umask(0007);
  if (smfi_opensocket(true) != MI_SUCCESS) return StartError{1, "cannot open " + spec.str()};
  umask(old);
  if (spec.unix_socket) {
    // As root, hand the socket to [milter].group; otherwise the (setgid) socket directory already
    // gave it the right group, e.g. postfix in the packaged layout.
    if (group* g = geteuid() == 0 ? getgrnam(c.milter.group.c_str()) : nullptr) {
      if (chown(spec.path.c_str(), static_cast<uid_t>(-1), g->gr_gid) != 0) {
        std::cerr << "postern-milter: cannot set the group of " << spec.path << "\n";
      }
    }
    chmod(spec.path.c_str(), 0660);
  }
  // At the descriptor limit, accept() backs off and logs (overrides.h) instead of libmilter spinning.
  set_accept_log(log_);
  return std::nullopt;
}

StartStep MilterDaemon::ready(const Config& c) {
  warn_unreadable(c, *log_);
  return std::nullopt;
}

void MilterDaemon::summary(Summary kind, LogLine& line) const {
  const App& app = *app_;
  const bool started = kind == Summary::started;
  if (started) {
    line.kv("sender_ownership",
            app.config.sender.enabled ? to_string(app.config.sender.mode) : std::string_view("off"));
  }
  line.kv("dkim_sign",
          app.signing ? std::to_string(app.signing->keys().size()) + " keys" : std::string("off"));
  if (started) line.kv("dkim_verify", app.dkim && app.config.dkim.verify);
  line.kv("dkim_key_cache", key_cache_on_)
      .kv("spf", app.spf ? to_string(app.config.spf.fail_action) : std::string_view("off"))
      .kv("dmarc", app.dmarc ? (app.config.dmarc.enforce ? "enforce" : "record") : "off");
  if (started) line.kv("authserv_id", app.policy.authserv_id);
}

int MilterDaemon::serve(const std::function<void()>& reload) {
  // Before libmilter starts its threads: SIGHUP must be blocked in all of them.
  ReloadWatcher reloads(reload);
  status_ = smfi_main();
  return status_ == MI_SUCCESS ? 0 : 1;
}

void MilterDaemon::stopped(LogLine& line) const { line.kv("status", status_); }

}  // namespace postern
