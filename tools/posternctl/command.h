// posternctl subcommand registry. Each cmd_*.cpp file in this directory registers its commands
// with a static CommandRegistration, so areas add commands without touching a shared file:
//
//   static CommandRegistration reg({"greylist", "list", "list greylist entries", &cmd_greylist_list});
//
// main.cpp parses the global options (-c FILE, --dns HOST:PORT, --help), then dispatches on the
// first one or two words. Debug commands print the result keyword on the first line and exit 0
// whatever the verdict; usage errors exit 64 (EX_USAGE), config errors 78, other failures 1.
#pragma once

#include <string>
#include <vector>

#include "common/config/config.h"

namespace postern::ctl {

inline constexpr int kExitUsage = 64;

struct GlobalOptions {
  std::string config_path = kDefaultConfigPath;
  bool config_given = false;     // -c was on the command line
  std::vector<std::string> dns;  // --dns HOST:PORT (repeatable); overrides [dns] servers
};

struct Context {
  GlobalOptions global;
  std::vector<std::string> args;  // the words after the command (and subcommand) names
  // Loads the config named by -c (or the default path). On error prints every error to stderr
  // and returns nullptr; the command should then return kExitConfig. --dns is applied.
  const Config* config();

 private:
  bool loaded_ = false;
  ConfigLoad load_;
};

using CommandFn = int (*)(Context& ctx);

struct Command {
  std::string name;        // e.g. "greylist"
  std::string subcommand;  // e.g. "list"; empty for a command without subcommands
  std::string usage;       // e.g. "greylist list [--prefix P]"
  std::string summary;     // one line for --help
  CommandFn run = nullptr;
};

std::vector<Command>& command_registry();

struct CommandRegistration {
  explicit CommandRegistration(Command c) { command_registry().push_back(std::move(c)); }
};

}  // namespace postern::ctl
