// posternctl audit: the TLS and SASL posture of Postfix and Dovecot, from their configuration
// (postconf / doveconf, never main.cf by hand; tools/posternctl/audit/postfix_config.h,
// dovecot_config.h), from Postern's own wiring, from the live listeners (probes.h), and from the
// transport-security records of the local domains in DNS (audit_transport.h). Prints one
// finding a line and a summary line, or JSON with --json. Exit: 0 no error found, 1 at least one
// error, 2 the audit could not run (postconf / doveconf missing or refusing a configuration), 64
// usage. Every check is in docs/audit.md.
#include <iostream>
#include <optional>
#include <thread>

#include "common/core/clock.h"
#include "tools/posternctl/audit/checks.h"
#include "tools/posternctl/audit/probes.h"
#include "tools/posternctl/audit_transport.h"
#include "tools/posternctl/command.h"

namespace postern::ctl {
namespace {

inline constexpr int kExitCannotRun = 2;

int cmd_audit(Context& ctx) {
  using namespace postern::audit;
  std::vector<std::string> only = ctx.opts.values("--only");
  auto wants = [&](const char* part) {
    if (only.empty()) return true;
    for (const auto& o : only)
      if (o == part) return true;
    return false;
  };
  bool need_postfix = wants("postfix") || wants("postern") || wants("dns");
  bool need_dovecot = wants("dovecot") || wants("postern");
  SystemClock clock;
  int64_t now = clock.unix_seconds();

  // postconf and doveconf run in parallel: the audit waits for the slower only.
  std::optional<Result<PostfixConfig>> pf_load;
  std::optional<Result<DovecotConfig>> dc_load;
  {
    std::thread dovecot_thread([&] {
      if (need_dovecot) dc_load.emplace(load_dovecot_config(ctx.opts.value("--dovecot-config")));
    });
    if (need_postfix) pf_load.emplace(load_postfix_config(ctx.opts.value("--postfix-config")));
    dovecot_thread.join();
  }
  std::optional<PostfixConfig> pf;
  std::optional<DovecotConfig> dc;
  if (pf_load) {
    if (!*pf_load) {
      std::cerr << "posternctl: audit: cannot read the Postfix configuration: " << pf_load->error().message
                << "\n";
      return kExitCannotRun;
    }
    pf = std::move(**pf_load);
  }
  if (dc_load) {
    if (!*dc_load) {
      std::cerr << "posternctl: audit: cannot read the Dovecot configuration: " << dc_load->error().message
                << "\n";
      return kExitCannotRun;
    }
    dc = std::move(**dc_load);
  }
  Report report;
  if (wants("postfix")) check_postfix(*pf, now, report);
  if (wants("dovecot")) check_dovecot(*dc, pf ? &*pf : nullptr, report);
  if (wants("postern")) {
    ConfigLoad load = load_config(ctx.global.config_path);
    if (!load.ok() && ctx.global.config_given) {
      for (const auto& e : load.errors) std::cerr << e.str() << "\n";
      return kExitConfig;
    }
    std::string why = load.ok() ? "" : (load.errors.empty() ? "unreadable" : load.errors[0].str());
    check_postern(pf ? &*pf : nullptr, dc ? &*dc : nullptr, load.ok() ? &load.config : nullptr, why, report);
  }
  if (!ctx.opts.has("--no-probe")) {
    auto targets =
        plan_probes(wants("postfix") && pf ? &*pf : nullptr, wants("dovecot") && dc ? &*dc : nullptr);
    ProbeSettings s;
    s.host = ctx.opts.value("--host", "127.0.0.1");
    s.name = pf ? pf->get("myhostname") : "";
    s.ca_file = ctx.opts.value("--ca-file");
    s.now = now;
    s.timeout = std::chrono::milliseconds(ctx.opts.number("--timeout-ms", kDefaultProbeTimeout.count()));
    run_probes(targets, s, report);
  }
  if (wants("dns") && !ctx.opts.has("--no-dns")) {
    if (int rc = audit_transport(ctx, pf ? &*pf : nullptr, report); rc) return rc;
  }
  std::cout << (ctx.opts.has("--json") ? report.json() : report.text());
  return report.errors() > 0 ? kExitFailure : 0;
}

CommandRegistration reg_audit(
    {.name = "audit",
     .usage =
         "audit [--postfix-config DIR] [--dovecot-config FILE] [--no-probe] [--host HOST] "
         "[--only postfix|dovecot|postern|dns] [--ca-file FILE] [--timeout-ms N] [--domain DOMAIN]... "
         "[--mx-host NAME]... [--next-key FILE] [--no-dns] [--mta-sts-ca FILE] [--mta-sts-connect IP:PORT] "
         "[--smtp-connect IP:PORT] [--json]",
     .summary = "check the TLS and SASL posture of Postfix and Dovecot: their configuration, "
                "Postern's wiring, what the listeners really serve, and the DANE, MTA-STS and "
                "TLS-RPT records of the local domains",
     .run = &cmd_audit,
     .args = {.options = {{.name = "--postfix-config",
                           .metavar = "DIR",
                           .help = "Postfix config directory (postconf -c DIR); default the system's"},
                          {.name = "--dovecot-config",
                           .metavar = "FILE",
                           .help = "dovecot.conf (doveconf -c FILE); default the system's"},
                          {.name = "--no-probe", .help = "read the configurations only; connect to nothing"},
                          {.name = "--host",
                           .metavar = "HOST",
                           .help = "where the listeners are probed (default 127.0.0.1)"},
                          {.name = "--only",
                           .metavar = "PART",
                           .help = "postfix, dovecot, postern or dns",
                           .choices = {"postfix", "dovecot", "postern", "dns"},
                           .repeatable = true},
                          {.name = "--ca-file",
                           .metavar = "FILE",
                           .help = "also trust these CA certificates when checking chains"},
                          {.name = "--timeout-ms",
                           .metavar = "N",
                           .help = "deadline of each probe in milliseconds (default 3000)",
                           .number = NumberRange{100, 60000}},
                          {.name = "--domain",
                           .metavar = "DOMAIN",
                           .help = "a local domain whose records to check (default postern.conf's)",
                           .repeatable = true},
                          {.name = "--mx-host",
                           .metavar = "NAME",
                           .help = "a host name this server receives mail as (default myhostname)",
                           .repeatable = true},
                          {.name = "--next-key",
                           .metavar = "FILE",
                           .help = "the key or CSR of the next renewal (its TLSA record is not stale)"},
                          {.name = "--no-dns", .help = "do not check the DANE, MTA-STS and TLS-RPT records"},
                          {.name = "--mta-sts-ca",
                           .metavar = "FILE",
                           .help = "trust only these CAs for MTA-STS (policy, MX certificates)"},
                          {.name = "--mta-sts-connect",
                           .metavar = "IP:PORT",
                           .help = "fetch policies from this address instead of mta-sts.DOMAIN:443"},
                          {.name = "--smtp-connect",
                           .metavar = "IP:PORT",
                           .help = "probe the key served here (default --host, Postfix's MX port)"},
                          {.name = "--json", .help = "print the findings as JSON"}}}});

}  // namespace
}  // namespace postern::ctl
