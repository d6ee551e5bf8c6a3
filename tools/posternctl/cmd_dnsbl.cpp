// posternctl dnsbl check IP [--domain D]...: asks every configured list (honouring --dns) and
// prints the total score first ("listed SCORE", "clean SCORE" or "reject SCORE"), then each list's
// answer and any list error. Exit 0 whatever the verdict.
#include <iostream>

#include "common/dns/factory.h"
#include "common/dnsbl/dnsbl.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

int cmd_check(Context& ctx) {
  const auto& domains = ctx.opts.values("--domain");
  auto ip = IpAddress::parse(ctx.args[0]);
  if (!ip) return ctx.usage_error("IP: " + ip.error().message);
  const Config* c = ctx.config();
  if (!c) return kExitConfig;
  SystemClock clock;
  int rc = 0;
  auto resolver = open_resolver(*c, clock, rc);
  if (!resolver) return rc;
  std::vector<DnsListSpec> ip_lists, domain_lists;
  for (const auto& s : c->policyd.dnsbl.ip_lists) {
    if (auto spec = parse_dns_list_spec(s)) ip_lists.push_back(*spec);
  }
  for (const auto& s : c->policyd.dnsbl.domain_lists) {
    if (auto spec = parse_dns_list_spec(s)) domain_lists.push_back(*spec);
  }
  if (ip_lists.empty() && domain_lists.empty()) {
    std::cout << "clean 0\nno lists configured ([policyd.dnsbl] ip_lists / domain_lists)\n";
    return 0;
  }
  DnsblChecker checker(ip_lists, domain_lists, *resolver, c->policyd.dnsbl.timeout);
  auto r = checker.check(*ip, domains);
  const auto& d = c->policyd.dnsbl;
  std::string verdict = r.score >= d.reject_threshold ? "reject" : r.score > 0 ? "listed" : "clean";
  std::cout << verdict << " " << r.score << "\n";
  for (const auto& h : r.hits) {
    std::cout << "  " << h.list << ": " << h.query << " -> " << h.answer << " (weight " << h.weight << ")\n";
  }
  for (const auto& e : r.errors) std::cout << "  error " << e << "\n";
  std::cout << "thresholds: reject " << d.reject_threshold << ", greylist " << d.greylist_threshold << "\n";
  return 0;
}

CommandRegistration reg({.name = "dnsbl",
                         .subcommand = "check",
                         .usage = "dnsbl check IP [--domain D]...",
                         .summary = "score a client against the configured DNS lists",
                         .run = &cmd_check,
                         .args = {.options = {{.name = "--domain",
                                               .metavar = "D",
                                               .help = "a domain to look up in the domain lists",
                                               .repeatable = true}},
                                  .min_positional = 1,
                                  .max_positional = 1}});

}  // namespace
}  // namespace postern::ctl
