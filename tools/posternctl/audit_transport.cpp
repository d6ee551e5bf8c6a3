// Implements the audit's transport-security part. Contract in audit_transport.h.
#include "tools/posternctl/audit_transport.h"

#include <memory>
#include <set>
#include <string>

#include "common/core/ascii.h"
#include "common/core/clock.h"
#include "common/log/log.h"
#include "common/store/factory.h"
#include "tools/posternctl/audit/probes.h"
#include "tools/posternctl/dns_records_transport.h"
#include "tools/posternctl/state.h"
#include "tools/posternctl/transport_args.h"
#include "tools/posternctl/transport_checks.h"

namespace postern::ctl {
namespace {

audit::Severity severity_of(CheckLevel l) {
  switch (l) {
    case CheckLevel::error:
      return audit::Severity::error;
    case CheckLevel::warning:
      return audit::Severity::warning;
    case CheckLevel::ok:
    case CheckLevel::note:
      break;
  }
  return audit::Severity::info;
}

void add(audit::Report& report, const CheckResult& r) {
  if (r.level == CheckLevel::ok) return;
  report.add({r.id, severity_of(r.level), r.subject, "", "", r.message, r.fix});
}

// Where this server's MX listener answers: "IP:PORT" of --host and Postfix's MX service; "" when
// there is none or --host is not an address.
std::string local_mx_listener(Context& ctx, const audit::PostfixConfig* pf) {
  if (!pf) return "";
  for (const auto& t : audit::plan_probes(pf, nullptr)) {
    if (t.kind != audit::ListenerKind::smtp_mx) continue;
    std::string v = ctx.opts.value("--host", "127.0.0.1") + ":" + std::to_string(t.port);
    return valid_ip_port(v) ? v : "";
  }
  return "";
}

}  // namespace

int audit_transport(Context& ctx, const audit::PostfixConfig* pf, audit::Report& report) {
  TransportOptions t;
  if (int rc = read_shared_transport_args(ctx, t); rc) return rc;
  std::set<std::string> domains;
  for (const auto& v : ctx.opts.values("--domain")) {
    std::string d;
    if (!host_arg(v, d)) return ctx.usage_error("--domain " + log_safe(v) + ": not a domain name");
    domains.insert(d);
  }
  Config fallback;
  const Config* c = optional_config(ctx, fallback);
  if (!c) return kExitConfig;
  if (domains.empty()) {
    for (const auto& d : c->sender.local_domains) domains.insert(ascii_lower(d));
    for (const auto& k : c->dkim.keys) {
      if (k.domain != "%") domains.insert(ascii_lower(k.domain));
    }
  }
  if (domains.empty()) {
    report.add({"dns.no-domains", audit::Severity::info, "DNS", "", "",
                "no local domain known: the DANE, MTA-STS and TLS-RPT records were not checked",
                "set [sender] local_domains in postern.conf, or give --domain DOMAIN"});
    return 0;
  }
  if (pf) transport_from_postfix(*pf, t);
  SystemClock clock;
  int rc = 0;
  std::shared_ptr<Resolver> resolver = open_resolver(*c, clock, rc);
  if (!resolver) return rc;
  if (auto down = dns_unreachable(*resolver, *domains.begin())) {
    add(report, *down);
    return 0;
  }
  if (t.mx_hosts.empty())
    report.add({"dane.no-mx-host", audit::Severity::info, "DANE", "", "",
                "no MX host known (Postfix's myhostname): TLSA records were not checked",
                "give --mx-host NAME"});
  if (ctx.opts.has("--no-probe")) {
    t.live_key_missing = "--no-probe";
  } else {
    std::string connect = ctx.opts.value("--smtp-connect", local_mx_listener(ctx, pf));
    t.live_key =
        live_key_probe(resolver, connect, std::set<std::string>(t.mx_hosts.begin(), t.mx_hosts.end()));
  }
  std::unique_ptr<Store> store;
  if (auto st = make_store(c->store, clock, false)) store = std::move(*st);
  for (const auto& r : check_transport(t, domains, *resolver, store.get(), clock)) add(report, r);
  return 0;
}

}  // namespace postern::ctl
