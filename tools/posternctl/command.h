// posternctl subcommand registry. Each cmd_*.cpp file in this directory registers its commands
// with a static CommandRegistration, so areas add commands without touching a shared file:
//
//   CommandRegistration reg({.name = "greylist", .subcommand = "list",
//                            .usage = "greylist list [--limit N]",
//                            .summary = "list greylist entries",
//                            .run = &cmd_greylist_list,
//                            .args = {.options = {{.name = "--limit", .metavar = "N",
//                                                  .help = "at most N entries (default 1000)",
//                                                  .number = NumberRange{1, 1000000}}}}});
//
// main.cpp parses the global options (-c FILE, --dns HOST:PORT, --help) before the command's
// name, finds the command by its first one or two words, then parses the rest with the command's
// ArgSpec (options.h) plus the global options, which may follow the command too. Only a command
// line that parses reaches run(): a bad number, unknown option, missing value, or a wrong count of
// positional words is exit 64 with the synopsis, before any side effect. Checks that need more
// than the parser (a domain name, an IP address) call ctx.usage_error(), which prints the same.
// Exit codes (kExit*): 0 done (debug commands exit 0 whatever the verdict), 1 the command could
// not do its work, 64 usage, 70 internal error (an exception main caught: a bug), 78 config error.
// docs/posternctl.md and docs/man/posternctl.8 list them. The one exception is audit (cmd_audit.cpp,
// for cron and CI): 1 when it found an error, 2 when it could not run; no other command exits 2.
// dmarc report send (cmd_dmarc_report.cpp, for its timer) exits 75 when it deferred mails.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/config/config.h"
#include "tools/posternctl/options.h"

namespace postern::ctl {

inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 64;     // EX_USAGE
inline constexpr int kExitSoftware = 70;  // EX_SOFTWARE

struct GlobalOptions {
  std::string config_path = kDefaultConfigPath;
  bool config_given = false;     // -c was on the command line
  std::vector<std::string> dns;  // --dns HOST:PORT (repeatable); overrides [dns] servers
};

using CommandFn = int (*)(struct Context& ctx);

struct Command {
  std::string name;        // e.g. "greylist"
  std::string subcommand;  // e.g. "list", or several words ("report build"); empty for none
  std::string usage;       // the synopsis, e.g. "greylist list [--limit N]"
  std::string summary;     // one line for --help
  CommandFn run = nullptr;
  ArgSpec args;  // options and positional words after the name; none by default
};

struct Context {
  GlobalOptions global;
  const Command* command = nullptr;
  std::vector<std::string> args;  // the positional words after the command (and subcommand) names
  ParsedArgs opts;                // the command's options, parsed and checked against its ArgSpec
  // Loads the config named by -c (or the default path). On error prints every error to stderr
  // and returns nullptr; the command should then return kExitConfig. --dns is applied.
  const Config* config();
  // Prints "posternctl: MESSAGE" and the command's synopsis to stderr; returns kExitUsage.
  int usage_error(std::string_view message) const;

 private:
  bool loaded_ = false;
  ConfigLoad load_;
};

std::vector<Command>& command_registry();

struct CommandRegistration {
  explicit CommandRegistration(Command c) { command_registry().push_back(std::move(c)); }
};

}  // namespace postern::ctl
