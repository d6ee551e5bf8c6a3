// posternctl audit's transport-security part (ids dane.*, mta-sts.*, tls-rpt.*, dns.*): the checks
// of `dns-records --check` (transport_checks.h) run for the local domains and MX hosts, each result
// a finding. The local domains are --domain, else postern.conf's [sender] local_domains and the
// domains of its [[dkim.key]] entries (the set dns-records prints records for); the MX hosts are
// --mx-host, else Postfix's myhostname; the certificates are those of Postfix's smtp service. The
// key served live is probed at --smtp-connect, else at --host on the port of Postfix's MX
// listener (none with --no-probe). When no DNS server answers, one dns.unreachable finding says
// so and nothing else is looked up. Trusts its options and configurations; DNS and HTTPS answers
// are untrusted (transport_checks.h).
#pragma once

#include "tools/posternctl/audit/finding.h"
#include "tools/posternctl/audit/postfix_config.h"
#include "tools/posternctl/command.h"

namespace postern::ctl {

// Adds the findings to report; pf is null when Postfix was not read. Returns 0, or kExitUsage /
// kExitConfig (after saying why) when an option or postern.conf is wrong.
int audit_transport(Context& ctx, const audit::PostfixConfig* pf, audit::Report& report);

}  // namespace postern::ctl
