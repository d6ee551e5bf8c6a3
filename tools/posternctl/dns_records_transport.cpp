// Implements the transport-security sections of dns-records. Contract in dns_records_transport.h.
#include "tools/posternctl/dns_records_transport.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "common/core/ascii.h"
#include "common/core/deadline.h"
#include "common/log/log.h"
#include "common/net/ip.h"
#include "tools/posternctl/audit/tls_probe.h"
#include "tools/posternctl/dns_text.h"
#include "tools/posternctl/options.h"
#include "tools/posternctl/state.h"
#include "tools/posternctl/transport/txt_records.h"
#include "tools/posternctl/transport_checks.h"

namespace postern::ctl {
namespace {

constexpr uint64_t kTestingMaxAge = 86400;   // one day while testing
constexpr uint64_t kEnforceMaxAge = 604800;  // a week: RFC 8461 suggests weeks
struct WantedTlsa {
  TlsaRecord record;
  std::string label;
};

void print(std::ostream& out, const CheckResults& results) {
  for (const auto& r : results) out << check_comment(r);
}

// ---------------------------------------------------------------------------------------------
// DANE TLSA

int tlsa_section(std::ostream& out, const TransportOptions& o, Resolver* resolver, const Clock& clock) {
  int rc = 0;
  out << ";\n; DANE TLSA (RFC 7672): senders that validate DNSSEC accept only the server keys listed here\n";
  for (const auto& n : o.notes) out << "; " << n << "\n";
  if (!o.tls_certs.empty()) out << "; certificates " << o.cert_source << "\n";
  std::vector<std::string> errors;
  std::vector<DiskKey> disk = read_disk_keys(o, &errors);
  for (const auto& e : errors) {
    std::cerr << "posternctl: " << e << "\n";
    out << "; cannot read " << log_safe(e) << "\n";
    rc = 1;
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
                                                     ", " + d.label + ", certificate valid until " +
                                                     format_time(d.keys.not_after) + ")");
  }
  if (!next.empty()) add(dane_ee_record(next), "3 1 1: the next key (" + o.next_key + ")");
  if (o.tlsa_issuer) {
    for (const auto& d : disk) {
      if (d.keys.issuer_spki_sha256.empty()) {
        out << "; " << d.label << " holds no issuer certificate: no 2 1 1 record from it\n";
        continue;
      }
      add(dane_ta_record(d.keys.issuer_spki_sha256),
          "2 1 1: SHA-256 of the issuing CA's key (" + d.label + ")");
    }
  }
  for (const auto& host : o.mx_hosts) {
    for (const auto& w : wanted) {
      out << "; " << w.label << "\n" << tlsa_owner(host) << ". IN TLSA " << w.record.rdata() << "\n";
    }
    if (resolver) print(out, check_tlsa(o, host, *resolver, disk, next, clock));
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
  if (resolver) print(out, check_mta_sts(o, domain, *resolver, store, text, id, clock));
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
  if (resolver) print(out, check_tlsrpt(domain, *resolver, record));
}

// ---------------------------------------------------------------------------------------------
// Null MX

void no_mail_section(std::ostream& out, const std::string& name, Resolver* resolver) {
  out << ";\n; " << name << " takes and sends no mail: a null MX (RFC 7505) tells senders not to try,\n"
      << "; SPF without any host and DMARC p=reject make receivers refuse mail forged in its name\n";
  out << name << ". IN MX 0 .\n";
  if (resolver) print(out, check_null_mx(name, *resolver));
  out << name << ". IN TXT " << quoted("v=spf1 -all") << "\n";
  if (resolver) print(out, check_no_mail_spf(name, *resolver));
  out << "_dmarc." << name << ". IN TXT " << quoted("v=DMARC1; p=reject") << "\n";
  if (resolver) print(out, check_no_mail_dmarc(name, *resolver));
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

bool valid_ip_port(const std::string& v) {
  size_t colon = v.rfind(':');
  if (colon == std::string::npos) return false;
  return parse_decimal(v.substr(colon + 1), {1, 65535}).ok() && IpAddress::parse(v.substr(0, colon)).ok();
}

bool host_arg(std::string v, std::string& out) {
  while (!v.empty() && v.back() == '.') v.pop_back();
  out = ascii_lower(v);
  return valid_host_name(out);
}

void transport_from_postfix(const audit::PostfixConfig& pf, TransportOptions& t) {
  const audit::PostfixService* smtp = pf.find_service("smtp", "inet");
  auto get = [&](std::string_view name) { return smtp ? pf.get(*smtp, name) : pf.get(name); };
  if (t.mx_hosts.empty()) {
    std::string h;
    if (host_arg(pf.get("myhostname"), h))
      t.mx_hosts.push_back(h);
    else
      t.notes.push_back("Postfix's myhostname is not a host name: give --mx-host");
  }
  if (!t.tls_certs.empty()) return;
  std::vector<std::string> files;
  auto split = [](const std::string& v) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : v + " ") {
      if (c == ' ' || c == ',' || c == '\t' || c == '\n') {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    return out;
  };
  std::string chain = get("smtpd_tls_chain_files");
  if (!chain.empty()) {
    // A key may sit in a file of its own before its certificates: only files with certificates count.
    for (const auto& f : split(chain)) {
      if (read_certificate_chains(f)) files.push_back(f);
    }
    if (files.empty()) files = split(chain);  // none readable: say why for each
    t.cert_source = "from the local Postfix (smtpd_tls_chain_files)";
  } else {
    for (const char* name : {"smtpd_tls_cert_file", "smtpd_tls_eccert_file"}) {
      std::string f = get(name);
      if (!f.empty()) files.push_back(f);
    }
    t.cert_source = "from the local Postfix (smtpd_tls_cert_file, smtpd_tls_eccert_file)";
  }
  if (files.empty()) t.notes.push_back("the local Postfix has no server certificate configured");
  t.tls_certs = files;
}

LiveKeyProbe live_key_probe(std::shared_ptr<Resolver> resolver, std::string connect,
                            std::set<std::string> local_hosts) {
  auto seen = std::make_shared<std::map<std::string, Result<ChainKeys>>>();
  return [resolver, connect, local_hosts, seen](const std::string& host) -> Result<ChainKeys> {
    if (auto it = seen->find(host); it != seen->end()) return it->second;
    auto probe = [&]() -> Result<ChainKeys> {
      std::string ip;
      int port = 25;
      if (!connect.empty() && (local_hosts.empty() || local_hosts.count(host))) {
        size_t colon = connect.rfind(':');
        ip = IpAddress::parse(connect.substr(0, colon))->str();  // checked by valid_ip_port
        port = static_cast<int>(*parse_decimal(connect.substr(colon + 1), {1, 65535}));
      } else {
        for (RrType type : {RrType::A, RrType::AAAA}) {
          auto r = resolver->query(host, type, Deadline::after(kLookupDeadline));
          if (r.ok()) {
            ip = r.records[0].text;
            break;
          }
          if (r.temporary_failure()) return Error::temp("DNS: " + lookup_failed(r));
        }
        if (ip.empty()) return Error::perm(host + " has no address");
      }
      audit::TlsOffer offer;
      offer.sni = host;
      auto p = audit::probe_smtp_tls(ip, port, audit::TlsStart::starttls, offer, std::chrono::seconds(10),
                                     "posternctl-dns-records.invalid");
      if (p.failure != audit::ProbeFailure::none || !p.tls)
        return Error::temp(std::string(audit::probe_failure_name(p.failure)) + ": " + p.error);
      return chain_keys_from_der(p.tls->chain_der);
    };
    auto r = probe();
    seen->emplace(host, r);
    return r;
  };
}

}  // namespace postern::ctl
