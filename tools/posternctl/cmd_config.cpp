// posternctl config check [-c FILE]: validates the configuration; prints "ok" and the effective
// configuration (every key, defaults included, secrets hidden), or every error as
// FILE:LINE: KEY: MESSAGE on stderr with exit 78. Also: posternctl version.
#include <iostream>

#include "tools/posternctl/command.h"

namespace postern::ctl {
namespace {

int cmd_config_check(Context& ctx) {
  auto load = load_config(ctx.global.config_path);
  if (!load.ok()) {
    for (const auto& e : load.errors) std::cerr << e.str() << "\n";
    std::cerr << load.errors.size() << " error" << (load.errors.size() == 1 ? "" : "s") << " in "
              << ctx.global.config_path << "\n";
    return kExitConfig;
  }
  std::cout << "ok " << ctx.global.config_path << "\n\n# effective configuration\n" << load.effective;
  return 0;
}

int cmd_version(Context&) {
  std::cout << "posternctl " << POSTERN_VERSION << "\n";
  return 0;
}

CommandRegistration reg_check({.name = "config",
                               .subcommand = "check",
                               .usage = "config check [-c FILE]",
                               .summary = "validate the configuration and print the effective one",
                               .run = &cmd_config_check});
CommandRegistration reg_version(
    {.name = "version", .usage = "version", .summary = "print the version", .run = &cmd_version});

}  // namespace
}  // namespace postern::ctl
