// Implements the transport-security sections of dns-records. Contract in dns_records_transport.h.
#include "tools/posternctl/dns_records_transport.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/core/ascii.h"
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
constexpr std::string_view kStsSeenPrefix = "mta-sts-seen:";
constexpr size_t kMaxProbedMx = 10;  // MX hosts whose port 25 certificate one check probes

struct DiskKey {
  std::string file;
  ChainKeys keys;
};

struct WantedTlsa {
  TlsaRecord record;
  std::string label;
};

std::string short_hex(const std::string& hex) { return hex.size() > 16 ? hex.substr(0, 16) + "..." : hex; }

// ---------------------------------------------------------------------------------------------
// DANE TLSA

void check_tlsa(std::ostream& out, const TransportOptions& o, const std::string& host, Resolver& resolver,
                const std::vector<DiskKey>& disk, const std::string& next_key, const Clock& clock) {
  std::string owner = tlsa_owner(host);
  auto r = resolver.query(owner, RrType::TLSA, Deadline::after(kLookupDeadline));
  if (r.temporary_failure()) {
    out << "; published " << owner << ": " << lookup_failed(r) << "\n";
    return;
  }
  if (!r.ok()) {
    out << "; published " << owner << ": missing (no TLSA record)\n";
    return;
  }
  if (!r.authenticated) {
    out << "; published " << owner
        << ": error: the answer is not authenticated by DNSSEC (no AD bit from the\n"
        << ";   resolver): DANE cannot work; sign the zone, and check with a validating resolver ([dns] "
           "servers)\n";
  }
  std::optional<ChainKeys> live;
  if (o.live_key) {
    auto k = o.live_key(host);
    if (k) {
      live = *k;
      if (live->not_after && live->not_after < clock.unix_seconds())
        out << "; error: the certificate served on port 25 of " << host << " expired "
            << format_time(live->not_after) << "\n";
    } else {
      out << "; key served on port 25 of " << host << ": lookup failed (" << log_safe(k.error().message)
          << ")\n";
    }
  } else if (!o.live_key_missing.empty()) {
    out << "; key served on port 25 of " << host << ": not checked (" << o.live_key_missing << ")\n";
  }
  bool any_disk = false, any_live = false;
  size_t usable = 0;
  for (const auto& rec : r.records) {
    auto t = parse_tlsa_rdata(rec.text);
    if (!t) {
      out << "; published TLSA (unreadable): " << log_safe(rec.text, kMaxShownRecord) << "\n";
      continue;
    }
    std::string shown = std::to_string(t->usage) + " " + std::to_string(t->selector) + " " +
                        std::to_string(t->matching) + " " + short_hex(t->data_hex);
    if (t->usage == 0 || t->usage == 1) {
      out << "; published TLSA " << shown << ": usage " << int(t->usage)
          << " (PKIX) is not used by SMTP senders (RFC 7672 3.1.3): remove it\n";
      continue;
    }
    if (t->usage > 3) {
      out << "; published TLSA " << shown << ": unknown usage, ignored by senders\n";
      continue;
    }
    ++usable;
    if (t->selector != 1 || t->matching != 1) {
      out << "; published TLSA " << shown << ": not compared (posternctl compares selector 1, matching 1)\n";
      continue;
    }
    std::vector<std::string> matches;
    bool ee = t->usage == 3;
    for (const auto& d : disk) {
      const std::string& h = ee ? d.keys.leaf_spki_sha256 : d.keys.issuer_spki_sha256;
      if (!h.empty() && h == t->data_hex) {
        matches.push_back(std::string(ee ? "the key on disk (" : "the issuer on disk (") + d.file + ")");
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
      out << "; published TLSA " << shown << ": stale: matches neither the key on disk nor the key served on "
          << "port 25: remove it once no certificate uses that key\n";
      continue;
    }
    out << "; published TLSA " << shown << ": matches ";
    for (size_t i = 0; i < matches.size(); ++i) out << (i ? ", " : "") << matches[i];
    out << "\n";
  }
  if (!disk.empty() && !any_disk)
    out << "; error: no TLSA record at " << owner << " matches the key on disk: once Postfix serves it,\n"
        << ";   DANE senders stop delivering to " << host << "\n";
  if (live && !any_live)
    out << "; error: no TLSA record at " << owner << " matches the key served on port 25: DANE senders do\n"
        << ";   not deliver to " << host << " now\n";
  if (usable == 1)
    out << "; warning: one TLSA record only: publish the next key's record beside it (--next-key) so a\n"
        << ";   renewal never leaves " << host << " without a matching record\n";
}

int tlsa_section(std::ostream& out, const TransportOptions& o, Resolver* resolver, const Clock& clock) {
  int rc = 0;
  out << ";\n; DANE TLSA (RFC 7672): senders that validate DNSSEC accept only the server keys listed here\n";
  for (const auto& n : o.notes) out << "; " << n << "\n";
  if (!o.tls_certs.empty()) out << "; certificates " << o.cert_source << "\n";
  std::vector<DiskKey> disk;
  for (const auto& f : o.tls_certs) {
    auto k = read_certificate_chain(f);
    if (!k) {
      std::cerr << "posternctl: " << k.error().message << "\n";
      out << "; cannot read " << f << ": " << log_safe(k.error().message) << "\n";
      rc = 1;
      continue;
    }
    disk.push_back({f, *k});
  }
  std::string next;
  if (!o.next_key.empty()) {
    auto h = read_key_spki_sha256(o.next_key);
    if (!h) {
      std::cerr << "posternctl: " << h.error().message << "\n";
      out << "; cannot read the next key " << o.next_key << ": " << log_safe(h.error().message) << "\n";
      rc = 1;
    } else {
      next = *h;
    }
  }
  if (o.tls_certs.empty()) {
    out << "; no certificate: give the chain Postfix serves with --tls-cert FILE (or --postfix-config DIR)\n";
  }
  if (o.mx_hosts.empty()) {
    out << "; no MX host: name the hosts this server receives mail as with --mx-host NAME\n";
    return rc;
  }
  std::vector<WantedTlsa> wanted;
  auto add = [&](TlsaRecord r, std::string label) {
    for (const auto& w : wanted) {
      if (w.record == r) return;
    }
    wanted.push_back({std::move(r), std::move(label)});
  };
  for (const auto& d : disk) {
    add(dane_ee_record(d.keys.leaf_spki_sha256), "3 1 1: SHA-256 of the server key (" + d.keys.key_type +
                                                     ", " + d.file + ", certificate valid until " +
                                                     format_time(d.keys.not_after) + ")");
  }
  if (!next.empty()) add(dane_ee_record(next), "3 1 1: the next key (" + o.next_key + ")");
  if (o.tlsa_issuer) {
    for (const auto& d : disk) {
      if (d.keys.issuer_spki_sha256.empty()) {
        out << "; " << d.file << " holds no issuer certificate: no 2 1 1 record from it\n";
        continue;
      }
      add(dane_ta_record(d.keys.issuer_spki_sha256),
          "2 1 1: SHA-256 of the issuing CA's key (" + d.file + ")");
    }
  }
  for (const auto& host : o.mx_hosts) {
    for (const auto& w : wanted) {
      out << "; " << w.label << "\n" << tlsa_owner(host) << ". IN TLSA " << w.record.rdata() << "\n";
    }
    if (resolver) check_tlsa(out, o, host, *resolver, disk, next, clock);
  }
  if (!wanted.empty()) {
    if (!next.empty()) {
      out << "; rollover: publish the next key's record beside the current one now, at least two TTLs of\n"
             "; these records before the certificate with the next key is installed; after the switch,\n"
             "; remove the old record. certbot: reuse_key = True keeps the key across renewals; to change\n"
             "; it, make the next key and a CSR, publish its record, wait, then certbot certonly --csr\n";
    } else {
      out << "; one key only: a renewal with a new key makes this record stale and DANE senders stop\n"
             "; delivering; keep the key across renewals (certbot: reuse_key = True) or prepare the next "
             "key\n"
             "; and publish its record first (--next-key FILE)\n";
    }
    if (o.tlsa_issuer)
      out << "; 2 1 1 names the CA that issued the certificate: public CAs rotate intermediates (and\n"
             "; Let's Encrypt picks among several), so keep a 3 1 1 record beside it\n";
    out << "; TLSA records count only in a DNSSEC-signed zone: without it senders ignore them\n";
  }
  return rc;
}

// ---------------------------------------------------------------------------------------------
// MTA-STS

uint64_t max_age_for(const TransportOptions& o) {
  if (o.sts_max_age) return o.sts_max_age;
  return o.sts_mode == MtaStsMode::enforce ? kEnforceMaxAge : kTestingMaxAge;
}

Result<std::string> write_policy(const std::string& dir, const std::string& domain, const std::string& text) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path d = fs::path(dir) / domain / ".well-known";
  fs::create_directories(d, ec);
  if (ec) return Error::perm(d.string() + ": " + ec.message());
  fs::path file = d / "mta-sts.txt";
  fs::path tmp = d / ".mta-sts.txt.new";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    if (!f.flush()) return Error::perm(tmp.string() + ": cannot write");
  }
  ::chmod(tmp.c_str(), 0644);  // served by a web server: world-readable, as any web page
  fs::rename(tmp, file, ec);
  if (ec) return Error::perm(file.string() + ": " + ec.message());
  return file.string();
}

void check_sts_policy(std::ostream& out, const TransportOptions& o, const std::string& domain,
                      Resolver& resolver, Store* store, const std::string& our_text,
                      const std::string& published_id, const Clock& clock) {
  HttpsRequest req;
  req.host = "mta-sts." + domain;
  req.path = "/.well-known/mta-sts.txt";
  req.connect_address = o.https_connect;
  req.ca_file = o.https_ca_file;
  req.max_body = kMaxMtaStsPolicyBytes;
  auto resp = https_get(req, resolver, Deadline::after(kFetchDeadline));
  if (!resp) {
    out << "; published policy: lookup failed (" << log_safe(resp.error().message) << ")\n";
    return;
  }
  if (resp->status >= 300 && resp->status < 400) {
    out << "; published policy: error: HTTP " << resp->status << " redirect to "
        << log_safe(resp->location, 200) << ": senders do not follow redirects (RFC 8461 3.3)\n";
    return;
  }
  if (resp->status != 200) {
    out << "; published policy: error: HTTP status " << resp->status << " (senders need 200)\n";
    return;
  }
  if (resp->content_type != "text/plain") {
    out << "; published policy: error: Content-Type "
        << (resp->content_type.empty() ? "missing" : log_safe(resp->content_type, 100))
        << " (senders need text/plain, RFC 8461 3.2)\n";
    return;
  }
  auto policy = parse_mta_sts_policy(resp->body);
  if (!policy) {
    out << "; published policy: invalid (" << log_safe(policy.error().message) << ")\n";
    return;
  }
  out << "; published policy: "
      << (our_text.empty()         ? "served"
          : resp->body == our_text ? "matches"
                                   : "differs from the policy above")
      << " (mode " << to_string(policy->mode) << ", max_age " << policy->max_age << ", " << policy->mx.size()
      << " mx)\n";
  // Every published MX must be covered, or enforcing senders refuse to deliver to it.
  auto mx = resolver.query(domain, RrType::MX, Deadline::after(kLookupDeadline));
  if (mx.temporary_failure()) {
    out << "; MX of " << domain << ": " << lookup_failed(mx) << "\n";
  } else if (!mx.ok()) {
    out << "; MX of " << domain << ": none published (senders use the domain's address)\n";
  } else if (policy->mode != MtaStsMode::none) {
    size_t covered = 0;
    for (const auto& rec : mx.records) {
      bool ok = std::any_of(policy->mx.begin(), policy->mx.end(),
                            [&](const std::string& p) { return mx_pattern_matches(p, rec.text); });
      if (ok) {
        ++covered;
      } else {
        out << "; error: MX " << log_safe(rec.text, 255) << " is not covered by any mx: line of the policy: "
            << (policy->mode == MtaStsMode::enforce ? "senders do not deliver to it"
                                                    : "enforce would break it")
            << "\n";
      }
    }
    if (covered == mx.records.size()) out << "; every MX of " << domain << " is covered by the policy\n";
  }
  if (policy->mode == MtaStsMode::testing)
    out << "; mode testing: failures are reported (TLS-RPT), mail still flows; enforce once reports are "
           "clean\n";
  if (policy->mode == MtaStsMode::none)
    out << "; mode none: the policy is withdrawn; senders forget it when max_age runs out\n";
  if (policy->max_age < kTestingMaxAge)
    out << "; warning: max_age " << policy->max_age
        << " is under a day: a sender's cached policy lapses soon,\n"
        << ";   and an attacker who blocks the policy fetch wins the next delivery\n";
  else if (policy->mode == MtaStsMode::enforce && policy->max_age < kEnforceMaxAge)
    out << "; warning: max_age " << policy->max_age << " in enforce mode: use a week (604800) or more\n";
  if (policy->mode == MtaStsMode::enforce && o.live_key) {
    // Each published MX (else each policy name without a wildcard), as an enforcing sender sees it.
    std::vector<std::string> hosts;
    if (mx.ok()) {
      for (const auto& rec : mx.records) hosts.push_back(rec.text);
    } else {
      for (const auto& p : policy->mx) {
        if (p.rfind("*.", 0) != 0) hosts.push_back(p);
      }
    }
    if (hosts.size() > kMaxProbedMx) {
      out << "; " << hosts.size() << " MX hosts: the certificates of the first " << kMaxProbedMx
          << " are checked\n";
      hosts.resize(kMaxProbedMx);
    }
    for (const auto& pattern : hosts) {
      auto k = o.live_key(pattern);
      if (!k) {
        out << "; certificate on port 25 of " << log_safe(pattern) << ": lookup failed ("
            << log_safe(k.error().message) << ")\n";
        continue;
      }
      auto v = verify_chain(k->der_chain, pattern, o.https_ca_file, clock.unix_seconds());
      if (!v)
        out << "; error: the certificate served on port 25 of " << log_safe(pattern) << " does not validate ("
            << log_safe(v.error().message) << "): enforcing senders do not deliver to it\n";
      else
        out << "; the certificate served on port 25 of " << log_safe(pattern) << " validates for that name\n";
    }
  }
  // The id must change when the policy does: keep the last pair seen.
  if (published_id.empty()) return;
  if (!store) {
    out << "; id history: not kept (no store)\n";
    return;
  }
  std::string key = std::string(kStsSeenPrefix) + domain;
  std::string hash = mta_sts_policy_id(resp->body);
  auto seen = store->get(key);
  if (!seen) {
    out << "; id history: store: " << log_safe(seen.error().message) << "\n";
    return;
  }
  if (*seen) {
    const std::string& v = (*seen)->value;
    size_t sp = v.find(' ');
    std::string old_id = v.substr(0, sp), old_hash = sp == std::string::npos ? "" : v.substr(sp + 1);
    if (old_id == published_id && old_hash != hash)
      out << "; error: the policy changed since it was last seen but the id (" << log_safe(published_id)
          << ") did not:\n;   senders keep their cached policy until max_age runs out; publish a new id\n";
    else if (old_id != published_id && old_hash == hash)
      out << "; note: the id changed (" << log_safe(old_id) << " -> " << log_safe(published_id)
          << ") but the policy did not: harmless, senders fetch it again\n";
  }
  if (auto p = store->put(key, published_id + " " + hash, Seconds(0)); !p)
    out << "; id history: store: " << log_safe(p.error().message) << "\n";
}

// Prints the suggested policy and record (writing the policy with --mta-sts-out); text and id
// receive them. 1 when the policy file could not be written.
int mta_sts_suggestion(std::ostream& out, const TransportOptions& o, const std::string& domain,
                       std::string& text, std::string& id) {
  MtaStsPolicy p;
  p.mode = o.sts_mode;
  p.mx = o.mx_hosts;
  p.max_age = max_age_for(o);
  text = render_mta_sts_policy(p);
  id = mta_sts_policy_id(text);
  int rc = 0;
  out << "; MTA-STS (RFC 8461): senders that find this record fetch the policy over HTTPS and, in enforce\n"
      << "; mode, deliver only over TLS to the listed MX hosts. Serve it at\n"
      << "; https://mta-sts." << domain
      << "/.well-known/mta-sts.txt with status 200, Content-Type text/plain,\n"
      << "; no redirects and a certificate for mta-sts." << domain << " from a CA senders trust\n";
  if (!o.mta_sts_out.empty()) {
    auto w = write_policy(o.mta_sts_out, domain, text);
    if (w) {
      out << "; policy written to " << *w << "\n";
    } else {
      std::cerr << "posternctl: --mta-sts-out: " << w.error().message << "\n";
      out << "; policy not written: " << log_safe(w.error().message) << "\n";
      rc = 1;
    }
  } else {
    out << "; the policy (--mta-sts-out DIR writes it as DIR/" << domain << "/.well-known/mta-sts.txt):\n";
  }
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find("\r\n", pos);
    out << ";   " << text.substr(pos, end - pos) << "\n";
    pos = end + 2;
  }
  out << "_mta-sts." << domain << ". IN TXT " << quoted("v=STSv1; id=" + id) << "\n";
  out << "; the id is derived from the policy text: it changes exactly when the policy does; publish the\n"
      << "; new record after the new policy is served\n";
  if (o.sts_mode == MtaStsMode::testing)
    out << "; mode testing: once TLS-RPT reports show no failures, move to --mta-sts-mode enforce\n";
  return rc;
}

int mta_sts_section(std::ostream& out, const TransportOptions& o, const std::string& domain,
                    Resolver* resolver, Store* store, const Clock& clock) {
  // Without an MX host there is no policy to suggest, but what is published is still checked.
  std::string text, id;
  int rc = 0;
  if (o.mx_hosts.empty())
    out << "; MTA-STS for " << domain << ": no MX host (--mx-host NAME): no policy to suggest\n";
  else
    rc = mta_sts_suggestion(out, o, domain, text, id);
  if (!resolver) return rc;
  auto t = lookup_txt(*resolver, "_mta-sts." + domain, "");
  std::erase_if(t.matching, [](const std::string& s) { return !looks_like_mta_sts_record(s); });
  std::string published_id;
  if (!t.problem.empty()) {
    out << "; published: " << t.problem << "\n";
  } else if (t.matching.empty()) {
    out << "; published: missing (no v=STSv1 record at _mta-sts." << domain << ")\n";
  } else if (t.matching.size() > 1) {
    out << "; published: " << t.matching.size() << " v=STSv1 records: senders ignore them all, keep one\n";
  } else if (auto pid = parse_mta_sts_record(t.matching[0]); !pid) {
    out << "; published: unusable (" << log_safe(pid.error().message)
        << "): " << log_safe(t.matching[0], kMaxShownRecord) << "\n";
  } else {
    published_id = *pid;
    out << "; published: "
        << (published_id == id ? "matches"
            : id.empty()       ? "id " + log_safe(published_id)
                               : "id " + log_safe(published_id) + " (another policy)")
        << "\n";
  }
  // The policy is fetched whatever the TXT record says: a served policy without a record is unused.
  check_sts_policy(out, o, domain, *resolver, store, text, published_id, clock);
  return rc;
}

// ---------------------------------------------------------------------------------------------
// TLS-RPT

void tlsrpt_section(std::ostream& out, const TransportOptions& o, const std::string& domain,
                    Resolver* resolver) {
  std::string rua = o.tlsrpt_rua.empty() ? "mailto:postmaster@" + domain : o.tlsrpt_rua;
  std::string record = "v=TLSRPTv1; rua=" + rua;
  out << "; TLS-RPT (RFC 8460): senders mail a daily report of their TLS successes and failures towards "
      << domain << "\n";
  out << "_smtp._tls." << domain << ". IN TXT " << quoted(record) << "\n";
  if (!resolver) return;
  auto t = lookup_txt(*resolver, "_smtp._tls." + domain, "");
  std::erase_if(t.matching, [](const std::string& s) { return !looks_like_tlsrpt_record(s); });
  if (!t.problem.empty()) {
    out << "; published: " << t.problem << "\n";
  } else if (t.matching.empty()) {
    out << "; published: missing (no v=TLSRPTv1 record at _smtp._tls." << domain << ")\n";
  } else if (t.matching.size() > 1) {
    out << "; published: " << t.matching.size() << " v=TLSRPTv1 records: senders ignore them all, keep one\n";
  } else if (auto uris = parse_tlsrpt_record(t.matching[0]); !uris) {
    out << "; published: unusable (" << log_safe(uris.error().message)
        << "): " << log_safe(t.matching[0], kMaxShownRecord) << "\n";
  } else if (normalized(t.matching[0]) == normalized(record)) {
    out << "; published: matches\n";
  } else {
    out << "; published: differs, reports go to";
    for (const auto& u : *uris) out << " " << log_safe(u.target, 200);
    out << "\n";
  }
}

// ---------------------------------------------------------------------------------------------
// Null MX

void no_mail_section(std::ostream& out, const std::string& name, Resolver* resolver) {
  out << ";\n; " << name << " takes and sends no mail: a null MX (RFC 7505) tells senders not to try,\n"
      << "; SPF without any host and DMARC p=reject make receivers refuse mail forged in its name\n";
  out << name << ". IN MX 0 .\n";
  if (resolver) {
    auto mx = resolver->query(name, RrType::MX, Deadline::after(kLookupDeadline));
    if (mx.temporary_failure()) {
      out << "; published: " << lookup_failed(mx) << "\n";
    } else if (!mx.ok()) {
      out << "; published: missing (no MX record: senders fall back to the address of " << name << ")\n";
    } else if (mx.records.size() == 1 && mx.records[0].preference == 0 && mx.records[0].text.empty()) {
      out << "; published: matches\n";
    } else {
      out << "; published: differs:";
      for (const auto& r : mx.records)
        out << " " << r.preference << " " << log_safe(r.text.empty() ? "." : r.text, 255);
      out << (mx.records.size() > 1 ? " (a null MX must be the only MX)" : "") << "\n";
    }
  }
  out << name << ". IN TXT " << quoted("v=spf1 -all") << "\n";
  if (resolver) {
    auto t = lookup_txt(*resolver, name, "v=spf1");
    if (!t.problem.empty())
      out << "; published: " << t.problem << "\n";
    else if (t.matching.empty())
      out << "; published: missing (no v=spf1 TXT record)\n";
    else if (t.matching.size() > 1)
      out << "; published: " << t.matching.size() << " v=spf1 records: keep one\n";
    else if (normalized(t.matching[0]) == "v=spf1 -all")
      out << "; published: matches\n";
    else
      out << "; published: differs: " << log_safe(t.matching[0], kMaxShownRecord) << "\n";
  }
  out << "_dmarc." << name << ". IN TXT " << quoted("v=DMARC1; p=reject") << "\n";
  if (resolver) {
    auto t = lookup_txt(*resolver, "_dmarc." + name, "");
    std::erase_if(t.matching, [](const std::string& s) { return !is_dmarc_record(s); });
    if (!t.problem.empty()) {
      out << "; published: " << t.problem << "\n";
    } else if (t.matching.empty()) {
      out << "; published: missing (no v=DMARC1 record at _dmarc." << name << ")\n";
    } else if (t.matching.size() > 1) {
      out << "; published: " << t.matching.size() << " DMARC records: receivers ignore them all, keep one\n";
    } else if (auto rec = parse_dmarc_record(t.matching[0]); !rec) {
      out << "; published: unusable: " << log_safe(rec.error().message) << "\n";
    } else if (rec->p == DmarcPolicy::reject) {
      out << "; published: p=reject\n";
    } else {
      out << "; published: differs: p=" << to_string(rec->p) << " (a name without mail should say reject)\n";
    }
  }
}

}  // namespace

int print_transport_records(std::ostream& out, const TransportOptions& o,
                            const std::set<std::string>& domains, Resolver* resolver, Store* store,
                            const Clock& clock) {
  int rc = tlsa_section(out, o, resolver, clock);
  for (const auto& d : domains) {
    out << ";\n; " << d << ": transport security\n";
    rc = std::max(rc, mta_sts_section(out, o, d, resolver, store, clock));
    tlsrpt_section(out, o, d, resolver);
  }
  for (const auto& n : o.no_mail) no_mail_section(out, n, resolver);
  return rc;
}

}  // namespace postern::ctl
