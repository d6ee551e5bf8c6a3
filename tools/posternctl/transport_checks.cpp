// Implements the transport-security checks. Contract in transport_checks.h.
#include "tools/posternctl/transport_checks.h"

#include <algorithm>
#include <chrono>

#include "common/core/deadline.h"
#include "common/dmarc/record.h"
#include "common/log/log.h"
#include "tools/posternctl/dns_text.h"
#include "tools/posternctl/state.h"
#include "tools/posternctl/transport/https_fetch.h"
#include "tools/posternctl/transport/txt_records.h"

namespace postern::ctl {
namespace {

constexpr uint64_t kTestingMaxAge = 86400;   // one day while testing
constexpr uint64_t kEnforceMaxAge = 604800;  // a week: RFC 8461 suggests weeks
constexpr auto kFetchDeadline = std::chrono::seconds(15);
constexpr auto kReachDeadline = std::chrono::seconds(5);
constexpr std::string_view kStsSeenPrefix = "mta-sts-seen:";
constexpr size_t kMaxProbedMx = 10;  // MX hosts whose port 25 certificate one check probes

std::string short_hex(const std::string& hex) { return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex; }

CheckResult result(CheckLevel level, std::string id, std::string subject, std::string message,
                   std::string fix = "") {
  return {level, std::move(id), std::move(subject), std::move(message), std::move(fix)};
}

// The key served on port 25 of host, with the results it gives on its own (expired, not reached).
std::optional<ChainKeys> live_key_of(const TransportOptions& o, const std::string& host, const Clock& clock,
                                     CheckResults& out) {
  std::string subject = "port 25 of " + host;
  if (!o.live_key) {
    if (!o.live_key_missing.empty())
      out.push_back(result(CheckLevel::note, "dane.live-not-checked", subject,
                           "the key served is not checked (" + o.live_key_missing + ")"));
    return std::nullopt;
  }
  auto k = o.live_key(host);
  if (!k) {
    out.push_back(result(CheckLevel::warning, "dane.live-unreachable", subject,
                         "the key served: lookup failed (" + log_safe(k.error().message) + ")",
                         "check that " + host + " takes connections on port 25 and offers STARTTLS"));
    return std::nullopt;
  }
  if (k->not_after && k->not_after < clock.unix_seconds())
    out.push_back(result(CheckLevel::error, "dane.live-expired", subject,
                         "the certificate served expired " + format_time(k->not_after),
                         "renew the certificate and postfix reload"));
  return *k;
}

}  // namespace

std::string check_comment(const CheckResult& r) {
  const char* level = r.level == CheckLevel::error     ? "error: "
                      : r.level == CheckLevel::warning ? "warning: "
                      : r.level == CheckLevel::note    ? "note: "
                                                       : "";
  return "; " + std::string(level) + r.subject + ": " + r.message + (r.fix.empty() ? "" : "; fix: " + r.fix) +
         "\n";
}

std::vector<DiskKey> read_disk_keys(const TransportOptions& o, std::vector<std::string>* errors) {
  std::vector<DiskKey> disk;
  for (const auto& f : o.tls_certs) {
    auto chains = read_certificate_chains(f);
    if (!chains) {
      if (errors) errors->push_back(chains.error().message);
      continue;
    }
    for (auto& k : *chains) {
      std::string label = chains->size() > 1 ? f + ", " + k.key_type : f;
      disk.push_back({std::move(label), std::move(k)});
    }
  }
  return disk;
}

// ---------------------------------------------------------------------------------------------
// DANE TLSA

CheckResults check_tlsa(const TransportOptions& o, const std::string& host, Resolver& resolver,
                        const std::vector<DiskKey>& disk, const std::string& next_key, const Clock& clock) {
  CheckResults out;
  std::string owner = tlsa_owner(host);
  auto r = resolver.query(owner, RrType::TLSA, Deadline::after(kLookupDeadline));
  if (r.temporary_failure()) {
    out.push_back(result(CheckLevel::error, "dane.lookup-failed", owner, lookup_failed(r),
                         "DANE senders defer mail while the TLSA lookup fails: check the zone's DNSSEC "
                         "signatures and its servers"));
    return out;
  }
  if (!r.ok()) {
    out.push_back(result(CheckLevel::warning, "dane.missing", owner,
                         "missing (no TLSA record): DANE senders cannot authenticate " + host,
                         "publish the 3 1 1 record that posternctl dns-records prints, in a DNSSEC-signed "
                         "zone"));
    return out;
  }
  if (!r.authenticated)
    out.push_back(result(CheckLevel::error, "dane.not-authenticated", owner,
                         "the answer is not authenticated by DNSSEC (no AD bit from the resolver): DANE "
                         "cannot work",
                         "sign the zone, and check with a validating resolver ([dns] servers)"));
  std::optional<ChainKeys> live = live_key_of(o, host, clock, out);
  bool any_disk = false, any_live = false;
  size_t usable = 0;
  for (const auto& rec : r.records) {
    auto t = parse_tlsa_rdata(rec.text);
    if (!t) {
      out.push_back(result(CheckLevel::warning, "dane.record-unreadable", owner + " TLSA",
                           "unreadable: " + log_safe(rec.text, kMaxShownRecord)));
      continue;
    }
    std::string subject = owner + " TLSA " + std::to_string(t->usage) + " " + std::to_string(t->selector) +
                          " " + std::to_string(t->matching) + " " + short_hex(t->data_hex);
    if (t->usage == 0 || t->usage == 1) {
      out.push_back(
          result(CheckLevel::warning, "dane.pkix-usage", subject,
                 "usage " + std::to_string(t->usage) + " (PKIX) is not used by SMTP senders (RFC 7672 3.1.3)",
                 "remove it"));
      continue;
    }
    if (t->usage > 3) {
      out.push_back(result(CheckLevel::warning, "dane.unknown-usage", subject,
                           "unknown usage, ignored by senders", "remove it"));
      continue;
    }
    ++usable;
    if (t->selector != 1 || t->matching != 1) {
      out.push_back(result(CheckLevel::note, "dane.not-compared", subject,
                           "not compared (posternctl compares selector 1, matching 1)"));
      continue;
    }
    std::vector<std::string> matches;
    bool ee = t->usage == 3;
    for (const auto& d : disk) {
      const std::string& h = ee ? d.keys.leaf_spki_sha256 : d.keys.issuer_spki_sha256;
      if (!h.empty() && h == t->data_hex) {
        matches.push_back(std::string(ee ? "the key on disk (" : "the issuer on disk (") + d.label + ")");
        any_disk = true;
      }
    }
    if (ee && !next_key.empty() && next_key == t->data_hex)
      matches.push_back("the next key (" + o.next_key + ")");
    if (live) {
      const std::string& h = ee ? live->leaf_spki_sha256 : live->issuer_spki_sha256;
      if (!h.empty() && h == t->data_hex) {
        matches.push_back(ee ? "the key served on port 25" : "the issuer served on port 25");
        any_live = true;
      }
    }
    if (matches.empty()) {
      out.push_back(result(CheckLevel::warning, "dane.stale", subject,
                           "stale: matches neither the key on disk nor the key served on port 25",
                           "remove it once no certificate uses that key"));
      continue;
    }
    std::string m = "matches ";
    for (size_t i = 0; i < matches.size(); ++i) m += (i ? ", " : "") + matches[i];
    out.push_back(result(CheckLevel::ok, "dane.match", subject, m));
  }
  if (!disk.empty() && !any_disk)
    out.push_back(result(CheckLevel::error, "dane.no-disk-match", owner,
                         "no TLSA record matches the key on disk: once Postfix serves it, DANE senders stop "
                         "delivering to " +
                             host,
                         "publish the 3 1 1 record of the key on disk (posternctl dns-records) and wait two "
                         "TTLs before serving it"));
  if (live && !any_live)
    out.push_back(result(
        CheckLevel::error, "dane.no-live-match", owner,
        "no TLSA record matches the key served on port 25: DANE senders do not deliver to " + host + " now",
        "publish the 3 1 1 record of the key served, or serve the key the records name"));
  if (usable == 1)
    out.push_back(
        result(CheckLevel::warning, "dane.single", owner,
               "one TLSA record only: a renewal with a new key leaves " + host + " without a matching record",
               "publish the next key's record beside it (posternctl dns-records --next-key FILE)"));
  return out;
}

// ---------------------------------------------------------------------------------------------
// MTA-STS

namespace {

// The MX hosts' certificates as an enforcing sender validates them: each published MX (else each
// policy name without a wildcard).
void check_mx_certificates(const TransportOptions& o, const MtaStsPolicy& policy, const DnsResult& mx,
                           const Clock& clock, CheckResults& out) {
  std::vector<std::string> hosts;
  if (mx.ok()) {
    for (const auto& rec : mx.records) hosts.push_back(rec.text);
  } else {
    for (const auto& p : policy.mx) {
      if (p.rfind("*.", 0) != 0) hosts.push_back(p);
    }
  }
  if (hosts.size() > kMaxProbedMx) {
    out.push_back(result(CheckLevel::note, "mta-sts.mx-cert-limit", "MTA-STS",
                         std::to_string(hosts.size()) + " MX hosts: the certificates of the first " +
                             std::to_string(kMaxProbedMx) + " are checked"));
    hosts.resize(kMaxProbedMx);
  }
  for (const auto& host : hosts) {
    std::string subject = "port 25 of " + log_safe(host);
    auto k = o.live_key(host);
    if (!k) {
      out.push_back(result(CheckLevel::warning, "mta-sts.mx-cert-unchecked", subject,
                           "the certificate served: lookup failed (" + log_safe(k.error().message) + ")"));
      continue;
    }
    auto v = verify_chain(k->der_chain, host, o.https_ca_file, clock.unix_seconds());
    if (!v)
      out.push_back(result(CheckLevel::error, "mta-sts.mx-cert-invalid", subject,
                           "the certificate served does not validate (" + log_safe(v.error().message) +
                               "): enforcing senders do not deliver to it",
                           "install a certificate for " + log_safe(host) + " from a CA senders trust"));
    else
      out.push_back(result(CheckLevel::ok, "mta-sts.mx-cert", subject,
                           "the certificate served validates for that name"));
  }
}

// The id must change when the policy does: the last pair seen is kept in the store.
void check_id_history(const std::string& domain, Store* store, const std::string& body,
                      const std::string& published_id, CheckResults& out) {
  std::string subject = "_mta-sts." + domain;
  if (!store) {
    out.push_back(result(CheckLevel::note, "mta-sts.history", subject, "id history not kept (no store)"));
    return;
  }
  std::string key = std::string(kStsSeenPrefix) + domain;
  std::string hash = mta_sts_policy_id(body);
  auto seen = store->get(key);
  if (!seen) {
    out.push_back(result(CheckLevel::note, "mta-sts.history", subject,
                         "id history: store: " + log_safe(seen.error().message)));
    return;
  }
  if (*seen) {
    const std::string& v = (*seen)->value;
    size_t sp = v.find(' ');
    std::string old_id = v.substr(0, sp), old_hash = sp == std::string::npos ? "" : v.substr(sp + 1);
    if (old_id == published_id && old_hash != hash)
      out.push_back(result(CheckLevel::error, "mta-sts.id-unchanged", subject,
                           "the policy changed since it was last seen but the id (" + log_safe(published_id) +
                               ") did not: senders keep their cached policy until max_age runs out",
                           "publish a new id (posternctl dns-records derives one from the policy)"));
    else if (old_id != published_id && old_hash == hash)
      out.push_back(result(CheckLevel::note, "mta-sts.id-changed", subject,
                           "the id changed (" + log_safe(old_id) + " -> " + log_safe(published_id) +
                               ") but the policy did not: harmless, senders fetch it again"));
  }
  if (auto p = store->put(key, published_id + " " + hash, Seconds(0)); !p)
    out.push_back(result(CheckLevel::note, "mta-sts.history", subject,
                         "id history: store: " + log_safe(p.error().message)));
}

// The policy served at https://mta-sts.DOMAIN/.well-known/mta-sts.txt. announced: a record says
// there is one (or its lookup failed), so a policy that cannot be had is an error.
void check_sts_policy(const TransportOptions& o, const std::string& domain, Resolver& resolver, Store* store,
                      const std::string& our_text, const std::string& published_id, bool announced,
                      const Clock& clock, CheckResults& out) {
  HttpsRequest req;
  req.host = "mta-sts." + domain;
  req.path = "/.well-known/mta-sts.txt";
  req.connect_address = o.https_connect;
  req.ca_file = o.https_ca_file;
  req.max_body = kMaxMtaStsPolicyBytes;
  std::string url = "https://" + req.host + req.path;
  std::string serve_fix = "serve the policy at " + url +
                          " with status 200, Content-Type text/plain and a "
                          "certificate for " +
                          req.host;
  auto resp = https_get(req, resolver, Deadline::after(kFetchDeadline));
  if (!resp) {
    out.push_back(result(announced ? CheckLevel::error : CheckLevel::note, "mta-sts.policy-fetch", url,
                         "lookup failed (" + log_safe(resp.error().message) + ")",
                         announced ? serve_fix : ""));
    return;
  }
  if (resp->status >= 300 && resp->status < 400) {
    out.push_back(result(CheckLevel::error, "mta-sts.redirect", url,
                         "HTTP " + std::to_string(resp->status) + " redirect to " +
                             log_safe(resp->location, 200) +
                             ": senders do not follow redirects (RFC 8461 3.3)",
                         serve_fix));
    return;
  }
  if (resp->status != 200) {
    out.push_back(result(CheckLevel::error, "mta-sts.http-status", url,
                         "HTTP status " + std::to_string(resp->status) + " (senders need 200)", serve_fix));
    return;
  }
  if (resp->content_type != "text/plain") {
    out.push_back(result(CheckLevel::error, "mta-sts.content-type", url,
                         "Content-Type " +
                             (resp->content_type.empty() ? "missing" : log_safe(resp->content_type, 100)) +
                             " (senders need text/plain, RFC 8461 3.2)",
                         "serve mta-sts.txt as text/plain"));
    return;
  }
  auto policy = parse_mta_sts_policy(resp->body);
  if (!policy) {
    out.push_back(result(CheckLevel::error, "mta-sts.policy-invalid", url,
                         "invalid (" + log_safe(policy.error().message) + ")",
                         "serve the policy posternctl dns-records prints"));
    return;
  }
  out.push_back(result(CheckLevel::ok, "mta-sts.policy", url,
                       std::string(our_text.empty()         ? "served"
                                   : resp->body == our_text ? "matches the policy above"
                                                            : "differs from the policy above") +
                           " (mode " + to_string(policy->mode) + ", max_age " +
                           std::to_string(policy->max_age) + ", " + std::to_string(policy->mx.size()) +
                           " mx)"));
  // Every published MX must be covered, or enforcing senders refuse to deliver to it.
  auto mx = resolver.query(domain, RrType::MX, Deadline::after(kLookupDeadline));
  if (mx.temporary_failure()) {
    out.push_back(
        result(CheckLevel::warning, "mta-sts.mx-lookup-failed", "MX of " + domain, lookup_failed(mx)));
  } else if (!mx.ok()) {
    out.push_back(result(CheckLevel::note, "mta-sts.no-mx", "MX of " + domain,
                         "none published (senders use the domain's address)"));
  } else if (policy->mode != MtaStsMode::none) {
    size_t covered = 0;
    bool enforce = policy->mode == MtaStsMode::enforce;
    for (const auto& rec : mx.records) {
      bool ok = std::any_of(policy->mx.begin(), policy->mx.end(),
                            [&](const std::string& p) { return mx_pattern_matches(p, rec.text); });
      if (ok) {
        ++covered;
        continue;
      }
      std::string host = log_safe(rec.text, 255);
      out.push_back(result(enforce ? CheckLevel::error : CheckLevel::warning, "mta-sts.mx-uncovered",
                           "MX " + host + " of " + domain,
                           std::string("not covered by any mx: line of the policy: ") +
                               (enforce ? "senders do not deliver to it" : "enforce would break it"),
                           "add \"mx: " + host + "\" to the policy and publish a new id"));
    }
    if (covered == mx.records.size())
      out.push_back(result(CheckLevel::ok, "mta-sts.mx-covered", "MX of " + domain,
                           "every MX is covered by the policy"));
  }
  if (policy->mode == MtaStsMode::testing)
    out.push_back(result(CheckLevel::note, "mta-sts.mode-testing", url,
                         "mode testing: failures are reported (TLS-RPT), mail still flows",
                         "enforce once reports are clean"));
  if (policy->mode == MtaStsMode::none)
    out.push_back(result(CheckLevel::note, "mta-sts.mode-none", url,
                         "mode none: the policy is withdrawn; senders forget it when max_age runs out"));
  if (policy->max_age < kTestingMaxAge)
    out.push_back(
        result(CheckLevel::warning, "mta-sts.max-age", url,
               "max_age " + std::to_string(policy->max_age) +
                   " is under a day: a sender's cached policy lapses soon, and an attacker who blocks "
                   "the policy fetch wins the next delivery",
               "max_age: 86400 or more (604800 or more in enforce mode)"));
  else if (policy->mode == MtaStsMode::enforce && policy->max_age < kEnforceMaxAge)
    out.push_back(result(CheckLevel::warning, "mta-sts.max-age", url,
                         "max_age " + std::to_string(policy->max_age) + " in enforce mode is short",
                         "max_age: 604800 or more"));
  if (policy->mode == MtaStsMode::enforce && o.live_key) check_mx_certificates(o, *policy, mx, clock, out);
  if (!published_id.empty()) check_id_history(domain, store, resp->body, published_id, out);
}

}  // namespace

CheckResults check_mta_sts(const TransportOptions& o, const std::string& domain, Resolver& resolver,
                           Store* store, const std::string& our_text, const std::string& our_id,
                           const Clock& clock) {
  CheckResults out;
  std::string owner = "_mta-sts." + domain;
  auto t = lookup_txt(resolver, owner, "");
  std::erase_if(t.matching, [](const std::string& s) { return !looks_like_mta_sts_record(s); });
  std::string published_id;
  if (!t.problem.empty()) {
    out.push_back(result(CheckLevel::warning, "mta-sts.lookup-failed", owner, t.problem));
  } else if (t.matching.empty()) {
    out.push_back(result(CheckLevel::warning, "mta-sts.missing", owner,
                         "missing (no v=STSv1 record): senders do not look for a policy, and an attacker can "
                         "strip STARTTLS",
                         "serve the policy, then publish the record (posternctl dns-records prints both)"));
  } else if (t.matching.size() > 1) {
    out.push_back(result(CheckLevel::error, "mta-sts.record-duplicate", owner,
                         std::to_string(t.matching.size()) + " v=STSv1 records: senders ignore them all",
                         "keep one"));
  } else if (auto pid = parse_mta_sts_record(t.matching[0]); !pid) {
    out.push_back(result(
        CheckLevel::error, "mta-sts.record-invalid", owner,
        "unusable (" + log_safe(pid.error().message) + "): " + log_safe(t.matching[0], kMaxShownRecord),
        "publish \"v=STSv1; id=ID\" (posternctl dns-records prints it)"));
  } else {
    published_id = *pid;
    out.push_back(result(CheckLevel::ok, "mta-sts.record", owner,
                         published_id == our_id ? "matches the record above"
                         : our_id.empty()       ? "id " + log_safe(published_id)
                                                : "id " + log_safe(published_id) + " (another policy)"));
  }
  // The policy is fetched whatever the TXT record says: a served policy without a record is unused.
  check_sts_policy(o, domain, resolver, store, our_text, published_id,
                   !t.problem.empty() || !t.matching.empty(), clock, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// TLS-RPT

CheckResults check_tlsrpt(const std::string& domain, Resolver& resolver, const std::string& our_record) {
  CheckResults out;
  std::string owner = "_smtp._tls." + domain;
  auto t = lookup_txt(resolver, owner, "");
  std::erase_if(t.matching, [](const std::string& s) { return !looks_like_tlsrpt_record(s); });
  if (!t.problem.empty()) {
    out.push_back(result(CheckLevel::warning, "tls-rpt.lookup-failed", owner, t.problem));
  } else if (t.matching.empty()) {
    out.push_back(
        result(CheckLevel::warning, "tls-rpt.missing", owner,
               "missing (no v=TLSRPTv1 record): senders cannot tell you when TLS to you fails",
               "publish " + owner + ". IN TXT \"v=TLSRPTv1; rua=mailto:postmaster@" + domain + "\""));
  } else if (t.matching.size() > 1) {
    out.push_back(result(CheckLevel::error, "tls-rpt.duplicate", owner,
                         std::to_string(t.matching.size()) + " v=TLSRPTv1 records: senders ignore them all",
                         "keep one"));
  } else if (auto uris = parse_tlsrpt_record(t.matching[0]); !uris) {
    out.push_back(result(
        CheckLevel::error, "tls-rpt.invalid", owner,
        "unusable (" + log_safe(uris.error().message) + "): " + log_safe(t.matching[0], kMaxShownRecord),
        "publish \"v=TLSRPTv1; rua=mailto:ADDRESS\""));
  } else if (!our_record.empty() && normalized(t.matching[0]) == normalized(our_record)) {
    out.push_back(result(CheckLevel::ok, "tls-rpt.record", owner, "matches the record above"));
  } else {
    std::string m = our_record.empty() ? "reports go to" : "differs from the record above, reports go to";
    for (const auto& u : *uris) m += " " + log_safe(u.target, 200);
    out.push_back(result(CheckLevel::ok, "tls-rpt.record", owner, m));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Names without mail

CheckResults check_null_mx(const std::string& name, Resolver& resolver) {
  auto mx = resolver.query(name, RrType::MX, Deadline::after(kLookupDeadline));
  std::string subject = "MX of " + name;
  if (mx.temporary_failure())
    return {result(CheckLevel::warning, "null-mx.lookup-failed", subject, lookup_failed(mx))};
  if (!mx.ok())
    return {result(CheckLevel::warning, "null-mx.missing", subject,
                   "missing (no MX record: senders fall back to the address of " + name + ")",
                   "publish " + name + ". IN MX 0 .")};
  if (mx.records.size() == 1 && mx.records[0].preference == 0 && mx.records[0].text.empty())
    return {result(CheckLevel::ok, "null-mx.record", subject, "matches")};
  std::string m = "differs:";
  for (const auto& r : mx.records)
    m += " " + std::to_string(r.preference) + " " + log_safe(r.text.empty() ? "." : r.text, 255);
  if (mx.records.size() > 1) m += " (a null MX must be the only MX)";
  return {
      result(CheckLevel::warning, "null-mx.differs", subject, m, "publish " + name + ". IN MX 0 . alone")};
}

CheckResults check_no_mail_spf(const std::string& name, Resolver& resolver) {
  auto t = lookup_txt(resolver, name, "v=spf1");
  std::string subject = "SPF of " + name;
  if (!t.problem.empty())
    return {result(CheckLevel::warning, "null-mx.spf-lookup-failed", subject, t.problem)};
  if (t.matching.empty())
    return {result(CheckLevel::warning, "null-mx.spf-missing", subject, "missing (no v=spf1 TXT record)")};
  if (t.matching.size() > 1)
    return {result(CheckLevel::error, "null-mx.spf-duplicate", subject,
                   std::to_string(t.matching.size()) + " v=spf1 records", "keep one")};
  if (normalized(t.matching[0]) == "v=spf1 -all")
    return {result(CheckLevel::ok, "null-mx.spf", subject, "matches")};
  return {result(CheckLevel::warning, "null-mx.spf-differs", subject,
                 "differs: " + log_safe(t.matching[0], kMaxShownRecord))};
}

CheckResults check_no_mail_dmarc(const std::string& name, Resolver& resolver) {
  auto t = lookup_txt(resolver, "_dmarc." + name, "");
  std::erase_if(t.matching, [](const std::string& s) { return !is_dmarc_record(s); });
  std::string subject = "_dmarc." + name;
  if (!t.problem.empty())
    return {result(CheckLevel::warning, "null-mx.dmarc-lookup-failed", subject, t.problem)};
  if (t.matching.empty())
    return {result(CheckLevel::warning, "null-mx.dmarc-missing", subject, "missing (no v=DMARC1 record)")};
  if (t.matching.size() > 1)
    return {result(CheckLevel::error, "null-mx.dmarc-duplicate", subject,
                   std::to_string(t.matching.size()) + " DMARC records: receivers ignore them all",
                   "keep one")};
  auto rec = parse_dmarc_record(t.matching[0]);
  if (!rec)
    return {result(CheckLevel::warning, "null-mx.dmarc-invalid", subject,
                   "unusable: " + log_safe(rec.error().message))};
  if (rec->p == DmarcPolicy::reject) return {result(CheckLevel::ok, "null-mx.dmarc", subject, "p=reject")};
  return {
      result(CheckLevel::warning, "null-mx.dmarc-differs", subject,
             "differs: p=" + std::string(to_string(rec->p)) + " (a name without mail should say reject)")};
}

// ---------------------------------------------------------------------------------------------
// The audit's run

CheckResults check_transport(const TransportOptions& o, const std::set<std::string>& domains,
                             Resolver& resolver, Store* store, const Clock& clock) {
  CheckResults out;
  auto disk = read_disk_keys(o, nullptr);
  std::string next;
  if (!o.next_key.empty()) {
    auto h = read_key_spki_sha256(o.next_key);
    if (h) next = *h;
  }
  auto add = [&](CheckResults r) { out.insert(out.end(), r.begin(), r.end()); };
  for (const auto& host : o.mx_hosts) add(check_tlsa(o, host, resolver, disk, next, clock));
  for (const auto& d : domains) {
    add(check_mta_sts(o, d, resolver, store, "", "", clock));
    add(check_tlsrpt(d, resolver, ""));
  }
  return out;
}

std::optional<CheckResult> dns_unreachable(Resolver& resolver, const std::string& name) {
  auto r = resolver.query(name, RrType::MX, Deadline::after(kReachDeadline));
  // Errors a server sent ("REFUSED from 192.0.2.53:53") say it is there; the others are local.
  bool answered = r.status != DnsStatus::timeout && !r.local_failure &&
                  (r.status != DnsStatus::error || r.detail.find(" from ") != std::string::npos);
  if (answered) return std::nullopt;
  return result(CheckLevel::warning, "dns.unreachable", "DNS",
                "no DNS server answered (" + std::string(to_string(r.status)) +
                    (r.detail.empty() ? "" : ": " + log_safe(r.detail)) +
                    "): the DANE, MTA-STS and TLS-RPT records were not checked",
                "check [dns] servers in postern.conf, or give --dns HOST:PORT; --no-dns skips these checks");
}

}  // namespace postern::ctl
