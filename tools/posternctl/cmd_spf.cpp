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
  bool have_sender = ctx.opts.has("--sender");
  std::string sender = ctx.opts.value("--sender"), helo = ctx.opts.value("--helo");
  if (!ctx.opts.has("--ip")) return ctx.usage_error("--ip is required");
  auto ip = IpAddress::parse(ctx.opts.value("--ip"));
  if (!ip) return ctx.usage_error("--ip: " + ip.error().message);
  if (!have_sender && helo.empty()) return ctx.usage_error("--sender or --helo is required");
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
            << "identity: " << to_string(v.identity) << " " << v.sender << "\n"
            << "reason: " << v.reason << "\n";
  if (!v.explanation.empty()) std::cout << "explanation: " << v.explanation << "\n";
  std::cout << "lookups: " << v.dns_terms << " (void " << v.void_lookups << ")\n";
  for (const auto& t : v.trail) std::cout << "  " << t << "\n";
  return 0;
}

CommandRegistration reg(
    {.name = "spf",
     .usage = "spf --ip IP --sender ADDRESS [--helo NAME]",
     .summary = "evaluate SPF for a client address and an envelope sender (or a HELO name)",
     .run = &cmd_spf,
     .args = {.options = {{.name = "--ip", .metavar = "IP", .help = "the client address"},
                          {.name = "--sender",
                           .metavar = "ADDRESS",
                           .help = "the envelope sender (MAIL FROM); \"\" or \"<>\" for none"},
                          {.name = "--helo", .metavar = "NAME", .help = "the HELO/EHLO name"}}}});

}  // namespace
}  // namespace postern::ctl
