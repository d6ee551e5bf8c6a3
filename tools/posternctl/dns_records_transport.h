// The transport-security part of `posternctl dns-records`: DANE TLSA records for the MX hosts this
// server answers for, the MTA-STS policy and TXT record, the TLS-RPT record, and null MX records
// for names that take no mail, each followed, with a resolver, by its checks (transport_checks.h:
// published and right). Also what `posternctl audit` shares with it: the certificates and MX host
// from a loaded Postfix, the live-key probe, option checks. Trusts its options (the admin's); DNS
// answers, HTTPS responses and served certificates are untrusted and printed through log_safe.
// Output is zone-file lines and "; " comments on stdout.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "common/core/clock.h"
#include "common/core/result.h"
#include "common/dns/resolver.h"
#include "common/store/store.h"
#include "tools/posternctl/audit/postfix_config.h"
#include "tools/posternctl/transport/mta_sts_policy.h"
#include "tools/posternctl/transport/tlsa.h"

namespace postern::ctl {

// The key one MX host serves on port 25 after STARTTLS, fetched by the caller's probe.
using LiveKeyProbe = std::function<Result<ChainKeys>(const std::string& mx_host)>;

struct TransportOptions {
  std::vector<std::string> tls_certs;  // certificate chain files (PEM; several chains each allowed)
  std::string cert_source;             // where tls_certs came from, for the output ("--tls-cert")
  std::vector<std::string> notes;      // said at the top of the TLSA section (Postfix not read, ...)
  std::vector<std::string> mx_hosts;   // lower-case, no trailing dot
  std::string next_key;                // key or CSR of the next renewal; "" none
  bool tlsa_issuer = false;            // also 2 1 1 for the issuer
  MtaStsMode sts_mode = MtaStsMode::testing;
  uint64_t sts_max_age = 0;  // 0 = by mode (86400 testing/none, 604800 enforce)
  std::string mta_sts_out;   // directory to write DOMAIN/.well-known/mta-sts.txt into; "" none
  std::string tlsrpt_rua;    // "mailto:ADDR" or "https://..."; "" = mailto:postmaster@DOMAIN
  std::vector<std::string> no_mail;
  // Check only.
  std::string https_ca_file;     // trust only these CAs for the policy fetch
  std::string https_connect;     // IP:PORT to fetch the policy from instead of mta-sts.DOMAIN:443
  LiveKeyProbe live_key;         // empty: the live key is not checked
  std::string live_key_missing;  // why live_key is empty, said once per host
};

// Prints every transport section; resolver null = no checks; store null = the MTA-STS id history
// is not kept (said once). Returns 1 when a file could not be read or written, else 0.
int print_transport_records(std::ostream& out, const TransportOptions& o,
                            const std::set<std::string>& domains, Resolver* resolver, Store* store,
                            const Clock& clock);

// What the options did not give, from a loaded Postfix: the certificate files of its smtp service
// (smtpd_tls_chain_files, else smtpd_tls_cert_file and smtpd_tls_eccert_file) when t.tls_certs is
// empty, and myhostname as the MX host when t.mx_hosts is empty.
void transport_from_postfix(const audit::PostfixConfig& pf, TransportOptions& t);

// The key each MX host serves after STARTTLS (the audit's probe), remembered per host. Hosts in
// local_hosts (all hosts when local_hosts is empty) are probed at connect ("IP:PORT") when it is
// not empty; the others at port 25 of their address from resolver.
LiveKeyProbe live_key_probe(std::shared_ptr<Resolver> resolver, std::string connect,
                            std::set<std::string> local_hosts = {});

// "IP:PORT" with a valid address and port.
bool valid_ip_port(const std::string& v);

// A host name as given on the command line: lower-case, trailing dot dropped; false when invalid.
bool host_arg(std::string v, std::string& out);

}  // namespace postern::ctl
