// posternctl sender check --login LOGIN ADDRESS: may LOGIN send as ADDRESS under the [sender]
// configuration? Prints "allowed" or "denied" on the first line and the reason after; exit 0
// whatever the verdict (64 on usage errors, 78 on config errors, 1 when the maps cannot be read).
#include <iostream>

#include "common/sender/from_config.h"
#include "tools/posternctl/command.h"

namespace postern::ctl {
namespace {

int cmd_sender_check(Context& ctx) {
  std::string login = ctx.opts.value("--login");
  std::string address = ctx.args[0];
  if (login.empty()) return ctx.usage_error("--login is required");
  const Config* config = ctx.config();
  if (!config) return kExitConfig;
  SystemClock clock;
  OwnershipProvider provider(ownership_sources(config->sender), clock, nullptr);
  if (auto r = provider.load(); !r) {
    std::cerr << "posternctl: cannot load sender maps: " << r.error().message << "\n";
    return 1;
  }
  // Strip one pair of angle brackets, as in "MAIL FROM:<a@b>".
  if (address.size() >= 2 && address.front() == '<' && address.back() == '>') {
    address = address.substr(1, address.size() - 2);
  }
  if (address.empty()) {
    bool ok = config->sender.null_sender == NullSender::allow;
    std::cout << (ok ? "allowed" : "denied")
              << "\nnull sender: [sender].null_sender = " << to_string(config->sender.null_sender) << "\n";
    return 0;
  }
  auto d = provider.current()->check_address(login, address);
  std::cout << (d.allowed ? "allowed" : "denied") << "\n" << d.reason << "\n";
  if (!config->sender.enabled)
    std::cout << "note: [sender].enabled = false, so the milter does not enforce this\n";
  return 0;
}

CommandRegistration reg(
    {.name = "sender",
     .subcommand = "check",
     .usage = "sender check --login LOGIN ADDRESS",
     .summary = "may LOGIN send as ADDRESS (envelope sender or From:)?",
     .run = &cmd_sender_check,
     .args = {
         .options = {{.name = "--login", .metavar = "LOGIN", .help = "the authenticated login (SASL user)"}},
         .min_positional = 1,
         .max_positional = 1}});

}  // namespace
}  // namespace postern::ctl
