// postern-milter: the Postfix milter (smtpd_milters / non_smtpd_milters).
//   postern-milter [-c FILE] [-f] [-t]
// -c the configuration, -f stay in the foreground (it never forks; logs go where [log] says), -t
// check the configuration (and the sender maps) and exit. Exit 78 on configuration errors. Opens
// [milter].socket (a unix socket gets mode 0660 and group [milter].group, so Postfix's smtpd can
// connect), then drops to [milter].user.
// Sender maps are re-read when they change. SIGHUP re-reads the configuration, keys and maps
// (milter/reload.h; a configuration that does not load is refused and the running one stays);
// SIGTERM stops (through libmilter).
// libmilter's packet limit is raised from 65,535 bytes to 1 MiB - 1 (smfi_setmaxdatasize), so a
// header field over 64 KB from the MTA is filtered, not a dropped session (Postfix itself cuts
// fields at 60,000 bytes when milters are on; docs/milter.md, "Large header fields").
// Raises its descriptor soft limit to the hard one at start (fd_limit.h) and backs off when accept()
// runs out of them (milter/overrides/overrides.h).
// The start-up and reload path is the daemons' shared one (common/daemon/lifecycle.h); what is the
// milter's own is in milter/daemon.h. Decisions: milter/pipeline.h (sender ownership, DKIM signing
// and verification, DMARC, Authentication-Results).
#include "common/daemon/cmdline.h"
#include "common/daemon/lifecycle.h"
#include "milter/daemon.h"
#include "milter/reload.h"

using namespace postern;

int main(int argc, char** argv) {
  DaemonArgs args;
  if (auto exit_code = parse_daemon_args(argc, argv, "postern-milter", args)) return *exit_code;
  ReloadWatcher::block_signals();  // before any thread starts
  MilterDaemon daemon;
  return DaemonLifecycle(daemon, args).run();
}
