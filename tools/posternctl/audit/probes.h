// The live probes of posternctl audit (ids probe.*): every listener the Postfix and Dovecot
// configurations declare is connected to on one host, all in parallel, each connection bounded by
// its own deadline: what EHLO offers before STARTTLS, whether submission takes MAIL FROM before
// it, whether 465/993/995 start TLS at connect, IMAP LOGINDISABLED and POP3 USER before STLS,
// which TLS versions and weak suite classes are accepted, forward secrecy and compression, the
// certificate served (against the configured file, the name, the roots, the clock), and an
// open-relay attempt from an outside address through XCLIENT (never DATA). A silent, garbage or
// closing listener gives a finding when its deadline passes. Results are added in plan order, so
// the report does not depend on which probe finished first.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "tools/posternctl/audit/dovecot_config.h"
#include "tools/posternctl/audit/finding.h"
#include "tools/posternctl/audit/postfix_config.h"
#include "tools/posternctl/audit/tls_probe.h"

namespace postern::audit {

enum class ListenerKind { smtp_mx, smtp_submission, smtps, imap, imaps, pop3, pop3s };

struct ProbeTarget {
  ListenerKind kind = ListenerKind::smtp_mx;
  int port = 0;
  std::string where;            // "master.cf:17 submission", "dovecot: service imap-login inet_listener imap"
  std::string configured_cert;  // the certificate file the configuration names ("" when none)
};

struct ProbeSettings {
  std::string host = "127.0.0.1";
  std::string name;     // the name clients use (SNI and the certificate name check); myhostname
  std::string ca_file;  // extra trust anchors for the chain check
  int64_t now = 0;      // unix seconds, for expiry
  std::chrono::milliseconds timeout = kDefaultProbeTimeout;
};

// The listeners to probe: Postfix's inet smtpd services and Dovecot's active IMAP/POP3 listeners.
std::vector<ProbeTarget> plan_probes(const PostfixConfig* postfix, const DovecotConfig* dovecot);

void run_probes(const std::vector<ProbeTarget>& targets, const ProbeSettings& settings, Report& report);

}  // namespace postern::audit
