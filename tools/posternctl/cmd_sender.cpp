// posternctl sender check --login LOGIN ADDRESS: may LOGIN send as ADDRESS under the [sender]
// configuration? Prints "allowed" or "denied" on the first line and the reason after; exit 0
// whatever the verdict (64 on usage errors, 78 on config errors, 1 when the maps cannot be read).
#include <iostream>

#include "common/sender/from_config.h"
#include "tools/posternctl/command.h"

namespace postern::ctl {
namespace {

int cmd_sender_check(Context& ctx) {
  std::string login, address;
  bool have_address = false;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const std::string& a = ctx.args[i];
    if (a == "--login" && i + 1 < ctx.args.size()) {
      login = ctx.args[++i];
    } else if (!have_address && (a.empty() || a[0] != '-')) {
      address = a;
      have_address = true;
    } else {
      std::cerr << "usage: posternctl sender check --login LOGIN ADDRESS\n";
      return kExitUsage;
    }
  }
  if (login.empty() || !have_address) {
    std::cerr << "usage: posternctl sender check --login LOGIN ADDRESS\n";
    return kExitUsage;
  }
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
    bool ok = config->sender.null_sender == "allow";
    std::cout << (ok ? "allowed" : "denied")
              << "\nnull sender: [sender].null_sender = " << config->sender.null_sender << "\n";
    return 0;
  }
  auto d = provider.current()->check_address(login, address);
  std::cout << (d.allowed ? "allowed" : "denied") << "\n" << d.reason << "\n";
  if (!config->sender.enabled)
    std::cout << "note: [sender].enabled = false, so the milter does not enforce this\n";
  return 0;
}

CommandRegistration reg({"sender", "check", "sender check --login LOGIN ADDRESS",
                         "may LOGIN send as ADDRESS (envelope sender or From:)?", &cmd_sender_check});

}  // namespace
}  // namespace postern::ctl
