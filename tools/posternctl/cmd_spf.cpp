// posternctl spf --ip IP --sender ADDR [--helo NAME]: SPF (RFC 7208) for a client and an
// envelope sender, against the configured DNS servers (or the global --dns HOST:PORT). Prints the
// result keyword first (pass, fail, softfail, neutral, none, temperror, permerror), then the
// reason, the explanation when the domain published one, and the trail of DNS lookups. With
// --helo and an empty --sender ("" or "<>"), the HELO identity is checked as for the null sender.
// Exit 0 whatever the verdict; 64 on bad usage.
#include <iostream>

#include "common/dns/factory.h"
#include "common/spf/evaluator.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

int cmd_spf(Context& ctx) {
  std::string ip_text, sender, helo;
  bool have_sender = false;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    const std::string& a = ctx.args[i];
    bool has_value = i + 1 < ctx.args.size();
    if (a == "--ip" && has_value) {
      ip_text = ctx.args[++i];
    } else if (a == "--sender" && has_value) {
      sender = ctx.args[++i];
      have_sender = true;
    } else if (a == "--helo" && has_value) {
      helo = ctx.args[++i];
    } else {
      ip_text.clear();
      break;
    }
  }
  auto ip = IpAddress::parse(ip_text);
  if (!ip || (!have_sender && helo.empty())) {
    std::cerr << "usage: posternctl spf --ip IP --sender ADDRESS [--helo NAME]\n";
    return kExitUsage;
  }
  Config fallback;
  const Config* c = optional_config(ctx, fallback);
  if (!c) return kExitConfig;
  SystemClock clock;
  int rc = 0;
  auto resolver = open_resolver(*c, clock, rc);
  if (!resolver) return rc;
  SpfEvaluator ev(*resolver);
  auto deadline = Deadline::after(std::chrono::seconds(20));
  SpfVerdict v = have_sender ? ev.check_mail_from(*ip, sender, helo, deadline, clock.unix_seconds())
                             : ev.check_helo(*ip, helo, deadline, clock.unix_seconds());
  std::cout << to_string(v.result) << "\n"
            << "identity: " << v.identity << " " << v.sender << "\n"
            << "reason: " << v.reason << "\n";
  if (!v.explanation.empty()) std::cout << "explanation: " << v.explanation << "\n";
  std::cout << "lookups: " << v.dns_terms << " (void " << v.void_lookups << ")\n";
  for (const auto& t : v.trail) std::cout << "  " << t << "\n";
  return 0;
}

CommandRegistration reg({"spf", "", "spf --ip IP --sender ADDRESS [--helo NAME]",
                         "evaluate SPF for a client address and an envelope sender (or a HELO name)",
                         &cmd_spf});

}  // namespace
}  // namespace postern::ctl
