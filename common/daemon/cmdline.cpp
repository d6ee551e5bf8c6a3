// Implements parse_daemon_args. Contract in cmdline.h.
#include "common/daemon/cmdline.h"

#include <iostream>

#include "common/config/config.h"

namespace postern {

std::optional<int> parse_daemon_args(int argc, char** argv, const std::string& name, DaemonArgs& args) {
  args.config_path = kDefaultConfigPath;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-c" && i + 1 < argc) {
      args.config_path = argv[++i];
    } else if (a == "-f") {
      args.foreground = true;
    } else if (a == "-t") {
      args.check_only = true;
    } else {
      bool help = a == "-h" || a == "--help";
      (help ? std::cout : std::cerr) << "usage: " << name << " [-c FILE] [-f] [-t]\n";
      return help ? 0 : 64;
    }
  }
  return std::nullopt;
}

}  // namespace postern
