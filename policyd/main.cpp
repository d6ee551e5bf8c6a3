// postern-policyd: the Postfix policy service for greylisting and DNS list scoring.
//   postern-policyd [-c FILE] [-f] [-t]
// -c the configuration (default /etc/postern/postern.conf), -f stay in the foreground (it never
// forks; logs go where [log] says), -t check the configuration and exit. Exit 78 on configuration
// errors. SIGHUP re-reads the configuration on a thread of its own (common/daemon/reload_thread.h),
// so the accept loop keeps serving while a reload is read and validated; a bad one is refused and
// the old one kept. A reload that changes a setting read at start only says so
// (restart_needed_for=), comparing with the values in force (those of the start), however many
// reloads came between. SIGTERM stops. Binds the socket, then drops to [policyd].user/group. Raises
// its descriptor soft limit to the hard one at start (fd_limit.h) and logs fd_limit_low when that
// is below what max_connections and the DNS lists need.
// The start-up and reload path is the daemons' shared one (common/daemon/lifecycle.h); what is
// policyd's own is in policyd/daemon.h.
#include "common/core/clock.h"
#include "common/daemon/cmdline.h"
#include "common/daemon/daemon_clock.h"
#include "common/daemon/lifecycle.h"
#include "common/daemon/signals.h"
#include "policyd/daemon.h"

using namespace postern;

int main(int argc, char** argv) {
  DaemonArgs args;
  if (auto exit_code = parse_daemon_args(argc, argv, "postern-policyd", args)) return *exit_code;
  SignalWatcher signals;  // before any thread starts
  // The process's one clock: the store, the resolver and every PolicyService read it.
  DaemonClock clock;  // the system clock (a test build's tests may step it: daemon_clock.h)
  PolicydDaemon daemon(signals, clock);
  return DaemonLifecycle(daemon, args).run();
}
