// The checks of the transport-security records, shared by `posternctl dns-records --check` and
// `posternctl audit`: DANE TLSA of an MX host (published, authenticated by DNSSEC, matching the
// key on disk and the key served live, stale records, a single record), MTA-STS of a domain (the
// TXT record, the policy fetched over HTTPS and parsed, MX coverage, mode, max_age, the MX
// certificates in enforce mode, the id changed when the policy did, kept in the store), TLS-RPT
// (published once with a parseable rua) and the records of a name that takes no mail.
// Each returns CheckResults (level, stable id, subject, message, fix): dns-records prints each as a
// "; " comment under the record it concerns (check_comment), the audit turns them into findings;
// the ids are listed in docs/audit.md. DNS answers, HTTPS responses and served certificates are
// untrusted: they reach messages through log_safe, bounded. A DNS or HTTPS failure is "lookup
// failed (...)", never "missing".
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/core/clock.h"
#include "common/dns/resolver.h"
#include "common/store/store.h"
#include "tools/posternctl/dns_records_transport.h"

namespace postern::ctl {

// What a check found. ok: as it should be (dns-records prints it, the audit does not); note: worth
// knowing, nothing to fix; warning, error: as in the audit.
enum class CheckLevel { ok, note, warning, error };

struct CheckResult {
  CheckLevel level = CheckLevel::ok;
  std::string id;       // "dane.stale", "mta-sts.mx-uncovered", ... (docs/audit.md)
  std::string subject;  // what it is about: "_25._tcp.mx.example.org", "_mta-sts.example.org", ...
  std::string message;  // what is there and why it matters
  std::string fix;      // what to do; "" when nothing
};
using CheckResults = std::vector<CheckResult>;

// dns-records' form: "; [error: |warning: |note: ]SUBJECT: MESSAGE[; fix: FIX]\n".
std::string check_comment(const CheckResult& r);

// One certificate chain on disk: where it is (the file, and the key type when the file holds
// several chains) and its keys.
struct DiskKey {
  std::string label;
  ChainKeys keys;
};
// Every chain of every file of o.tls_certs; a file that cannot be read is skipped, its error in
// errors (when not null).
std::vector<DiskKey> read_disk_keys(const TransportOptions& o, std::vector<std::string>* errors);

// TLSA at _25._tcp.HOST. next_key: the SPKI SHA-256 of the next key ("" none).
CheckResults check_tlsa(const TransportOptions& o, const std::string& host, Resolver& resolver,
                        const std::vector<DiskKey>& disk, const std::string& next_key, const Clock& clock);
// The _mta-sts TXT record and the policy. our_text, our_id: the suggested policy and its id ("" in
// the audit, which suggests none).
CheckResults check_mta_sts(const TransportOptions& o, const std::string& domain, Resolver& resolver,
                           Store* store, const std::string& our_text, const std::string& our_id,
                           const Clock& clock);
// The _smtp._tls TXT record; our_record: the suggested record ("" none).
CheckResults check_tlsrpt(const std::string& domain, Resolver& resolver, const std::string& our_record);
// A name that takes no mail: its null MX, its "v=spf1 -all" and its DMARC p=reject.
CheckResults check_null_mx(const std::string& name, Resolver& resolver);
CheckResults check_no_mail_spf(const std::string& name, Resolver& resolver);
CheckResults check_no_mail_dmarc(const std::string& name, Resolver& resolver);

// The audit's run: TLSA of each o.mx_hosts against o.tls_certs, MTA-STS and TLS-RPT of each domain.
// Certificate files that cannot be read are left to the audit's own certificate checks.
CheckResults check_transport(const TransportOptions& o, const std::set<std::string>& domains,
                             Resolver& resolver, Store* store, const Clock& clock);

// A warning ("dns.unreachable") when no DNS server answers a query for name (a timeout, or an
// error no server sent): every other lookup would fail too, and one result says so. nullopt when a
// server answered, whatever it answered.
std::optional<CheckResult> dns_unreachable(Resolver& resolver, const std::string& name);

}  // namespace postern::ctl
