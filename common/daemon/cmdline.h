// The command line every Postern daemon takes: -c FILE (configuration), -f (stay in the foreground;
// the daemons never fork away, so this only says so; logs still go where [log] says),
// -t (check the configuration and exit, messages on stderr), -h/--help.
#pragma once

#include <optional>
#include <string>

namespace postern {

struct DaemonArgs {
  std::string config_path;
  bool foreground = false;
  bool check_only = false;
};

// Fills args; returns an exit status when the daemon should exit at once (0 after --help, 64 on a
// usage error, with the usage printed), nullopt to go on.
std::optional<int> parse_daemon_args(int argc, char** argv, const std::string& name, DaemonArgs& args);

}  // namespace postern
