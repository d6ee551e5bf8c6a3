// posternctl dmarc record DOMAIN: the DMARC policy record that applies to DOMAIN by the RFC 9989
// tree walk; first line the record as published, or "none" / "temperror", then where it was found,
// the organizational domain and the parsed tags.
// posternctl dmarc check --from DOMAIN|ADDRESS [--spf-domain D --spf-result R]
//   [--dkim-domain D --dkim-result R]... [--ip IP]: the DMARC verdict for such a message; first
// line pass / fail / none / temperror / permerror, then the policy, the action [dmarc] would take,
// the alignment of each identifier and the reason. Both honour --dns and exit 0 whatever the
// verdict. Text from DNS is untrusted: control characters are printed as '?'.
#include <iostream>

#include "common/core/ascii.h"
#include "common/dmarc/evaluator.h"
#include "common/dmarc/tree_walk.h"
#include "common/dns/factory.h"
#include "tools/posternctl/command.h"

namespace postern::ctl {
namespace {

constexpr auto kCommandDeadline = std::chrono::seconds(30);

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u >= 0x7f) ? '?' : c;
  }
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + printable(s);
  return out;
}

void print_tags(const DmarcRecord& r) {
  std::cout << "p=" << to_string(r.p) << (r.p_implied ? " (implied: no valid p/sp/np, rua present)" : "")
            << " sp=" << (r.sp ? to_string(*r.sp) : "-") << " np=" << (r.np ? to_string(*r.np) : "-")
            << " psd=" << to_char(r.psd) << " t=" << (r.testing ? "y" : "n")
            << " adkim=" << to_string(r.adkim) << " aspf=" << to_string(r.aspf) << "\n";
  std::cout << "rua: " << (r.rua.empty() ? "-" : join(r.rua)) << "\n";
  std::cout << "ruf: " << (r.ruf.empty() ? "-" : join(r.ruf)) << " fo=" << r.fo << "\n";
  if (r.pct || !r.rf.empty() || r.ri) {
    std::cout << "RFC 7489 tags (removed by RFC 9989):";
    if (r.pct)
      std::cout << " pct=" << *r.pct
                << (r.t_given ? "" : (*r.pct == 0 ? " (read as t=y)" : " (read as t=n)"));
    if (!r.rf.empty()) std::cout << " rf=" << printable(r.rf);
    if (r.ri) std::cout << " ri=" << *r.ri;
    std::cout << "\n";
  }
  for (const auto& w : r.warnings) std::cout << "warning: " << printable(w) << "\n";
}

Result<std::shared_ptr<Resolver>> resolver_for(Context& ctx, const Config*& c, const Clock& clock) {
  c = ctx.config();
  if (!c) return Error::perm("config");
  return make_resolver(c->dns, clock);
}

int cmd_record(Context& ctx) {
  std::string domain = ascii_lower(ctx.args[0]);
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (!valid_dmarc_domain(domain))
    return ctx.usage_error("\"" + printable(ctx.args[0].substr(0, 255)) + "\" is not a domain name");
  SystemClock clock;
  const Config* c = nullptr;
  auto resolver = resolver_for(ctx, c, clock);
  if (!c) return kExitConfig;
  if (!resolver) {
    std::cerr << "posternctl: dns: " << resolver.error().message << "\n";
    return kExitConfig;
  }
  DmarcTreeWalk walk(**resolver, Deadline::after(kCommandDeadline));
  PolicyDiscovery found = walk.find_policy(domain);
  if (found.status == DmarcLookupStatus::temperror) {
    std::cout << "temperror\n_dmarc." << found.at.domain << ": " << printable(found.at.note) << "\n";
    return 0;
  }
  OrgDomain org = walk.org_domain(domain);
  if (found.status == DmarcLookupStatus::none) {
    std::cout << "none\nno DMARC record for " << domain
              << ", its organizational domain or public suffix domain\n";
    const DmarcLookup& own = walk.lookup(domain);
    std::cout << "_dmarc." << domain << ": " << printable(own.note) << "\n";
  } else {
    std::cout << printable(found.at.text) << "\n";
    std::cout << "found at: _dmarc." << found.at.domain << " (" << to_string(found.source) << ")\n";
  }
  if (org.temperror) {
    std::cout << "organizational domain: unknown (temperror at _dmarc." << org.domain << ": "
              << printable(org.how) << ")\n";
  } else {
    std::cout << "organizational domain: " << org.domain << " (" << org.how << ")\n";
  }
  if (found.status == DmarcLookupStatus::found) print_tags(found.at.record);
  std::cout << "dns queries: " << walk.queries() << "\n";
  return 0;
}

int cmd_check(Context& ctx) {
  DmarcInput in;
  std::string from = ctx.opts.value("--from");
  in.spf_domain = ctx.opts.value("--spf-domain");
  std::string spf_result = ctx.opts.value("--spf-result");
  const auto& dkim_domains = ctx.opts.values("--dkim-domain");
  const auto& dkim_results = ctx.opts.values("--dkim-result");
  if (ctx.opts.has("--ip")) {
    auto ip = IpAddress::parse(ctx.opts.value("--ip"));
    if (!ip) return ctx.usage_error("--ip: " + ip.error().message);
    in.client_ip = *ip;
  }
  if (from.empty()) return ctx.usage_error("--from is required");
  if (dkim_domains.size() != dkim_results.size())
    return ctx.usage_error("give one --dkim-result for each --dkim-domain");
  if (in.spf_domain.empty() != spf_result.empty())
    return ctx.usage_error("--spf-domain and --spf-result go together");
  // Results are RFC 8601 keywords (common/authres/result.h).
  auto result_of = [&](const char* option, const std::string& text) -> std::optional<AuthResult> {
    auto r = parse_auth_result(text);
    if (!r) {
      ctx.usage_error(std::string(option) + ": " + printable(text) +
                      " is not a result (none, pass, fail, softfail, neutral, policy, temperror, permerror)");
    }
    return r;
  };
  if (!spf_result.empty()) {
    in.spf_result = result_of("--spf-result", spf_result);
    if (!in.spf_result) return kExitUsage;
  }
  for (size_t i = 0; i < dkim_domains.size(); ++i) {
    auto r = result_of("--dkim-result", dkim_results[i]);
    if (!r) return kExitUsage;
    in.dkim.push_back({dkim_domains[i], *r});
  }
  // A bare domain stands for an address at it; anything with an '@' is taken as the From: value.
  in.from = parse_from_header({from.find('@') == std::string::npos ? "postmaster@" + from : from});

  SystemClock clock;
  const Config* c = nullptr;
  auto resolver = resolver_for(ctx, c, clock);
  if (!c) return kExitConfig;
  if (!resolver) {
    std::cerr << "posternctl: dns: " << resolver.error().message << "\n";
    return kExitConfig;
  }
  DmarcEvaluator evaluator(**resolver, c->dmarc);
  DmarcVerdict v = evaluator.evaluate(in, Deadline::after(kCommandDeadline));
  DmarcDecision d = decide_dmarc_action(v, c->dmarc);
  std::cout << to_string(v.authres().result) << "\n";
  if (v.result == DmarcResult::author_error) std::cout << "author_error\n";
  if (!v.author_domain.empty()) std::cout << "header.from: " << v.author_domain << "\n";
  if (v.record) {
    std::cout << "policy: " << to_string(v.requested) << " (" << to_string(v.policy_tag) << "= of _dmarc."
              << v.policy_domain << ", " << to_string(v.policy_source)
              << (v.author_domain_missing ? ", domain does not exist" : "") << ")"
              << (v.testing ? ", t=y: testing, not applied" : "") << "\n";
    std::cout << "applied: " << to_string(v.applied)
              << (v.override_reason != DmarcOverride::none
                      ? std::string(" (override ") + to_string(v.override_reason) + ")"
                      : "")
              << "\n";
    std::cout << "alignment: adkim=" << to_string(v.record->adkim) << " aspf=" << to_string(v.record->aspf)
              << "\n";
  }
  if (!v.org_domain.empty()) std::cout << "organizational domain: " << v.org_domain << "\n";
  for (const auto& a : v.alignment) {
    std::cout << "  " << a.method << " " << printable(a.domain) << " " << to_string(a.result) << ": "
              << (a.aligned ? "aligned" : "not aligned") << " (" << printable(a.detail) << ")\n";
  }
  std::cout << "action: " << to_string(d.action)
            << (c->dmarc.enforce ? "" : " (enforce = false: record only)") << "\n";
  std::cout << "reason: " << printable(v.reason) << "\n";
  return 0;
}

CommandRegistration reg_record({.name = "dmarc",
                                .subcommand = "record",
                                .usage = "dmarc record DOMAIN",
                                .summary = "the DMARC record that applies to DOMAIN (RFC 9989 tree walk)",
                                .run = &cmd_record,
                                .args = {.min_positional = 1, .max_positional = 1}});
CommandRegistration reg_check(
    {.name = "dmarc",
     .subcommand = "check",
     .usage = "dmarc check --from DOMAIN|ADDRESS [--spf-domain D --spf-result R] "
              "[--dkim-domain D --dkim-result R]... [--ip IP]",
     .summary = "the DMARC verdict for a message with these identifiers",
     .run = &cmd_check,
     .args = {.options = {
                  {.name = "--from", .metavar = "DOMAIN|ADDRESS", .help = "the From: domain or header value"},
                  {.name = "--spf-domain", .metavar = "D", .help = "the domain SPF checked"},
                  {.name = "--spf-result", .metavar = "R", .help = "its SPF result (pass, fail, ...)"},
                  {.name = "--dkim-domain", .metavar = "D", .help = "a signature's d=", .repeatable = true},
                  {.name = "--dkim-result",
                   .metavar = "R",
                   .help = "that signature's result, in the same order",
                   .repeatable = true},
                  {.name = "--ip", .metavar = "IP", .help = "the client address (for trusted_forwarders)"},
              }}});

}  // namespace
}  // namespace postern::ctl
