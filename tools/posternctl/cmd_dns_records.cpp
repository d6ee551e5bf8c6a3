// posternctl dns-records [--ip ADDR[/LEN]]... [--rua ADDRESS] [transport options] [--check]
//   Prints, in zone-file form, the DNS records the configuration implies: the DKIM TXT record of
//   every signing key, and for every domain the config makes ours ([dkim] signing domains and
//   [sender].local_domains) a suggested SPF record and a suggested DMARC record, marked as
//   suggestions to review. The config has no key for the addresses mail leaves from: --ip gives
//   them (the SPF suggestion lists them as ip4:/ip6: before "mx"), else it is "v=spf1 mx -all".
//   DMARC starts at p=none with aggregate reports to --rua (default postmaster@DOMAIN, the one
//   address every mail domain has). With the global --dns HOST:PORT (or --check, which uses [dns]),
//   each record is looked up and a "; published: ..." line says whether what is there matches; SPF
//   is then evaluated for each --ip address. Then the transport-security records
//   (dns_records_transport.h): DANE TLSA from --tls-cert chains for each --mx-host (and --next-key),
//   an MTA-STS policy and record, a TLS-RPT record for each domain, a null MX for each --no-mail
//   name; with a resolver each is checked, and the MTA-STS id history is kept in the store. Trusts its config
//   and arguments; DNS answers are untrusted and printed escaped. Exit 0 when the records were printed
//   (whatever DNS shows), 64 usage, 78 config, 1 when a key file cannot be read.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/core/ascii.h"
#include "common/core/clock.h"
#include "common/core/deadline.h"
#include "common/dkim/key_table.h"
#include "common/dkim/private_key.h"
#include "common/dkim/signing_policy.h"
#include "common/dmarc/record.h"
#include "common/log/log.h"
#include "common/net/ip.h"
#include "common/spf/evaluator.h"
#include "common/store/factory.h"
#include "tools/posternctl/audit/postfix_config.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/dns_records_transport.h"
#include "tools/posternctl/dns_text.h"
#include "tools/posternctl/state.h"
#include "tools/posternctl/transport/mta_sts_policy.h"
#include "tools/posternctl/transport/txt_records.h"
#include "tools/posternctl/transport_args.h"

namespace postern::ctl {
namespace {

struct Options {
  std::vector<IpNetwork> ips;
  std::string rua;  // an address; "" = postmaster@DOMAIN
  bool check = false;
};

// True when the published key record carries our public key: with all white space removed, it
// holds "p=KEY" as a whole tag (at the start or after ';', then ';' or the end). A search, not a
// parse: anything else in the record is left to verifiers. own_record is ours (trusted).
bool publishes_key(std::string_view published, std::string_view own_record) {
  auto squeeze = [](std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
    }
    return out;
  };
  std::string own = squeeze(own_record);
  size_t p = own.rfind(";p=");
  if (p == std::string::npos) return false;
  size_t end = own.find(';', p + 1);
  std::string tag = own.substr(p + 1, end == std::string::npos ? std::string::npos : end - p - 1);
  std::string text = squeeze(published);
  for (size_t at = text.find(tag); at != std::string::npos; at = text.find(tag, at + 1)) {
    bool starts = at == 0 || text[at - 1] == ';';
    size_t after = at + tag.size();
    if (starts && (after == text.size() || text[after] == ';')) return true;
  }
  return false;
}

void check_dkim(Resolver& resolver, const std::string& selector, const std::string& domain,
                const std::string& record) {
  auto t = lookup_txt(resolver, selector + "._domainkey." + domain, "");
  if (!t.problem.empty()) {
    std::cout << "; published: " << t.problem << "\n";
  } else if (t.matching.empty()) {
    std::cout << "; published: missing (no TXT record at " << selector << "._domainkey." << domain << ")\n";
  } else if (t.matching.size() > 1) {
    std::cout << "; published: " << t.matching.size() << " TXT records (verifiers need exactly one)\n";
  } else if (publishes_key(t.matching[0], record)) {
    std::cout << "; published: matches\n";
  } else {
    std::cout << "; published: differs (another public key): " << log_safe(t.matching[0], kMaxShownRecord)
              << "\n";
  }
}

void spf_section(Resolver* resolver, const Options& o, const std::string& domain) {
  std::string spf = "v=spf1";
  for (const auto& n : o.ips)
    spf += (n.base.v6 ? " ip6:" : " ip4:") + (n.prefix_len == n.base.bits() ? n.base.str() : n.str());
  spf += " mx -all";
  std::cout << "; SPF: the hosts that send mail of " << domain << ": "
            << (o.ips.empty()
                    ? "its MX hosts (add ip4:/ip6: terms, or posternctl dns-records --ip, for others)"
                    : "the --ip addresses and its MX hosts")
            << "; -all tells receivers to refuse the rest\n";
  std::cout << domain << ". IN TXT " << quoted(spf) << "\n";
  if (!resolver) return;
  auto t = lookup_txt(*resolver, domain, "v=spf1");
  if (!t.problem.empty()) {
    std::cout << "; published: " << t.problem << "\n";
  } else if (t.matching.empty()) {
    std::cout << "; published: missing (no v=spf1 TXT record)\n";
  } else if (t.matching.size() > 1) {
    std::cout << "; published: " << t.matching.size()
              << " v=spf1 records: receivers give permerror, keep one\n";
  } else if (normalized(t.matching[0]) == normalized(spf)) {
    std::cout << "; published: matches\n";
  } else {
    std::cout << "; published: differs: " << log_safe(t.matching[0], kMaxShownRecord) << "\n";
  }
  if (t.matching.size() != 1) return;
  SpfEvaluator ev(*resolver);
  for (const auto& n : o.ips) {
    auto v = ev.check_mail_from(n.base, "postmaster@" + domain, domain, Deadline::after(kLookupDeadline));
    std::cout << "; published SPF for " << n.base.str() << ": " << to_string(v.result)
              << (v.result == SpfResult::pass ? "" : " (mail from this address would not pass)") << "\n";
  }
}

void dmarc_section(Resolver* resolver, const Options& o, const std::string& domain) {
  std::string rua = o.rua.empty() ? "postmaster@" + domain : o.rua;
  std::string dmarc = "v=DMARC1; p=none; rua=mailto:" + rua;
  std::cout << "; DMARC: p=none only asks for reports (to " << rua
            << "); once they show all your mail passing, move to\n"
            << "; p=quarantine and then p=reject so receivers refuse mail forged in your name\n";
  std::string report_domain = ascii_lower(rua.substr(rua.rfind('@') + 1));
  if (report_domain != domain) {
    std::cout << "; reports go to another domain: " << report_domain << " must publish\n; " << domain
              << "._report._dmarc." << report_domain << ". IN TXT \"v=DMARC1\"\n";
  }
  std::cout << "_dmarc." << domain << ". IN TXT " << quoted(dmarc) << "\n";
  if (!resolver) return;
  auto t = lookup_txt(*resolver, "_dmarc." + domain, "");
  std::erase_if(t.matching, [](const std::string& s) { return !is_dmarc_record(s); });
  if (!t.problem.empty()) {
    std::cout << "; published: " << t.problem << "\n";
  } else if (t.matching.empty()) {
    std::cout << "; published: missing (no v=DMARC1 record at _dmarc." << domain << ")\n";
  } else if (t.matching.size() > 1) {
    std::cout << "; published: " << t.matching.size()
              << " DMARC records: receivers ignore them all, keep one\n";
  } else if (normalized(t.matching[0]) == normalized(dmarc)) {
    std::cout << "; published: matches\n";
  } else {
    auto rec = parse_dmarc_record(t.matching[0]);
    std::cout << "; published: differs: " << log_safe(t.matching[0], kMaxShownRecord) << "\n";
    if (!rec) {
      std::cout << "; published record is unusable: " << log_safe(rec.error().message) << "\n";
    } else {
      std::cout << "; published policy p=" << to_string(rec->p)
                << (rec->rua.empty() ? ", no rua (no reports)" : "") << "\n";
    }
  }
}

bool valid_report_address(std::string_view a) {
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= a.size() || a.size() > 254) return false;
  return std::all_of(a.begin(), a.end(), [](unsigned char c) {
    return c > 32 && c < 127 && c != '"' && c != '\\' && c != ';' && c != ',' && c != '!';
  });
}

int transport_options(Context& ctx, TransportOptions& t) {
  t.tls_certs = ctx.opts.values("--tls-cert");
  t.cert_source = "from --tls-cert";
  if (int rc = read_shared_transport_args(ctx, t); rc) return rc;
  for (const auto& v : ctx.opts.values("--no-mail")) {
    std::string h;
    if (!host_arg(v, h)) return ctx.usage_error("--no-mail " + log_safe(v) + ": not a domain name");
    t.no_mail.push_back(h);
  }
  t.tlsa_issuer = ctx.opts.has("--tlsa-issuer");
  std::string mode = ctx.opts.value("--mta-sts-mode", "testing");
  t.sts_mode = mode == "enforce" ? MtaStsMode::enforce
               : mode == "none"  ? MtaStsMode::none
                                 : MtaStsMode::testing;
  t.sts_max_age = ctx.opts.number("--mta-sts-max-age", 0);
  t.mta_sts_out = ctx.opts.value("--mta-sts-out");
  if (ctx.opts.has("--tlsrpt-rua")) {
    std::string v = ctx.opts.value("--tlsrpt-rua");
    if (v.find(':') == std::string::npos) v = "mailto:" + v;
    if (!parse_tlsrpt_record("v=TLSRPTv1; rua=" + v))
      return ctx.usage_error("--tlsrpt-rua needs an address (tlsrpt@example.org) or an https:// URL");
    t.tlsrpt_rua = v;
  }
  return 0;
}

// What the command line did not give, from the local Postfix through postconf (--postfix-config
// DIR, else postconf's default): its certificate files and myhostname as the MX host.
void from_local_postfix(Context& ctx, TransportOptions& t) {
  if (!t.tls_certs.empty() && !t.mx_hosts.empty()) return;
  auto pf = audit::load_postfix_config(ctx.opts.value("--postfix-config"));
  if (!pf) {
    t.notes.push_back("local Postfix not read (" + log_safe(pf.error().message) +
                      "): give --tls-cert and --mx-host");
    return;
  }
  transport_from_postfix(*pf, t);
}

int cmd_dns_records(Context& ctx) {
  Options o;
  for (const auto& v : ctx.opts.values("--ip")) {
    auto n = IpNetwork::parse(v);
    if (!n) return ctx.usage_error("--ip " + log_safe(v) + ": " + n.error().message);
    o.ips.push_back(*n);
  }
  if (ctx.opts.has("--rua")) {
    std::string v = ctx.opts.value("--rua");
    std::string r = v.rfind("mailto:", 0) == 0 ? v.substr(7) : v;
    if (!valid_report_address(r))
      return ctx.usage_error("--rua needs an address such as dmarc-reports@example.org");
    o.rua = r;
  }
  o.check = ctx.opts.has("--check");
  TransportOptions t;
  if (int rc = transport_options(ctx, t); rc) return rc;
  from_local_postfix(ctx, t);
  const Config* c = ctx.config();
  if (!c) return kExitConfig;
  auto policy = DkimSigningPolicy::load(c->dkim);
  if (!policy) {
    std::cerr << "posternctl: dkim: " << policy.error().message << "\n";
    return 1;
  }
  SystemClock clock;
  std::shared_ptr<Resolver> resolver;
  if (o.check || !ctx.global.dns.empty()) {
    int rc = 0;
    resolver = open_resolver(*c, clock, rc);
    if (!resolver) return rc;
    t.live_key = live_key_probe(resolver, ctx.opts.value("--smtp-connect"));
  }

  std::set<std::string> domains;
  for (const auto& d : c->sender.local_domains) domains.insert(ascii_lower(d));
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& k : policy->keys()) {
    if (!k.key || !seen.insert({k.domain, k.selector}).second) continue;
    std::cout << "; DKIM " << k.name << " (" << to_string(k.key->type) << ", " << k.key_file << ")\n";
    std::string record = k.key->dns_record();
    if (k.domain == "%") {
      std::cout << "; domain % = the From: domain: publish this record under each domain signed with it\n"
                << dkim_zone_line(k.selector, "DOMAIN", record) << "\n";
      continue;
    }
    std::string domain = ascii_lower(k.domain);
    domains.insert(domain);
    std::cout << dkim_zone_line(k.selector, domain, record) << "\n";
    if (resolver) check_dkim(*resolver, k.selector, domain, record);
  }
  if (seen.empty()) std::cout << "; no DKIM signing keys configured ([[dkim.key]] or [dkim] key_table)\n";

  if (domains.empty()) {
    std::cout << "; no domains of ours in the config ([sender] local_domains or [dkim] signing keys):\n"
                 "; no SPF or DMARC records to suggest\n";
  } else {
    std::cout << ";\n; SPF and DMARC records below are suggestions to review before publishing, not a\n"
                 "; description of your setup: check that every host sending your mail is covered.\n";
    for (const auto& d : domains) {
      std::cout << ";\n; " << d << "\n";
      spf_section(resolver.get(), o, d);
      dmarc_section(resolver.get(), o, d);
    }
  }
  // The MTA-STS id history lives in the store; a check without one still runs.
  std::unique_ptr<Store> store;
  if (resolver) {
    auto st = make_store(c->store, clock, false);
    if (st)
      store = std::move(*st);
    else
      std::cout << ";\n; store unavailable, MTA-STS id history not kept: " << log_safe(st.error().message)
                << "\n";
  }
  return print_transport_records(std::cout, t, domains, resolver.get(), store.get(), clock);
}

CommandRegistration reg_records(
    {.name = "dns-records",
     .usage = "dns-records [--ip ADDR[/LEN]]... [--rua ADDRESS] [--tls-cert FILE]... [--mx-host NAME]... "
              "[--next-key FILE] [--tlsa-issuer] [--mta-sts-mode MODE] [--mta-sts-max-age SECONDS] "
              "[--mta-sts-out DIR] [--tlsrpt-rua ADDRESS] [--no-mail NAME]... [--mta-sts-ca FILE] "
              "[--mta-sts-connect IP:PORT] [--postfix-config DIR] [--smtp-connect IP:PORT] [--check]",
     .summary = "print the DNS records the configuration needs (DKIM keys, suggested SPF and "
                "DMARC, DANE TLSA, MTA-STS, TLS-RPT, null MX) and, with --dns or --check, whether "
                "they are published",
     .run = &cmd_dns_records,
     .args = {.options = {{.name = "--ip",
                           .metavar = "ADDR[/LEN]",
                           .help = "an address or network mail leaves from, for SPF",
                           .repeatable = true},
                          {.name = "--rua",
                           .metavar = "ADDRESS",
                           .help = "where DMARC aggregate reports go (default postmaster@DOMAIN)"},
                          {.name = "--tls-cert",
                           .metavar = "FILE",
                           .help = "a certificate chain Postfix serves (PEM, leaf first), for TLSA",
                           .repeatable = true},
                          {.name = "--mx-host",
                           .metavar = "NAME",
                           .help = "a host name this server receives mail as (TLSA, MTA-STS mx)",
                           .repeatable = true},
                          {.name = "--next-key",
                           .metavar = "FILE",
                           .help = "the key or CSR of the next renewal: its TLSA record too"},
                          {.name = "--tlsa-issuer", .help = "also a 2 1 1 record for the issuing CA"},
                          {.name = "--mta-sts-mode",
                           .metavar = "MODE",
                           .help = "testing (default), enforce or none",
                           .choices = {"testing", "enforce", "none"}},
                          {.name = "--mta-sts-max-age",
                           .metavar = "SECONDS",
                           .help = "policy max_age (default 86400, 604800 with enforce)",
                           .number = NumberRange{1, kMaxMtaStsMaxAge}},
                          {.name = "--mta-sts-out",
                           .metavar = "DIR",
                           .help = "write each policy to DIR/DOMAIN/.well-known/mta-sts.txt"},
                          {.name = "--tlsrpt-rua",
                           .metavar = "ADDRESS",
                           .help = "where TLS reports go (default postmaster@DOMAIN)"},
                          {.name = "--no-mail",
                           .metavar = "NAME",
                           .help = "a name that takes no mail: null MX, SPF -all, DMARC reject",
                           .repeatable = true},
                          {.name = "--mta-sts-ca",
                           .metavar = "FILE",
                           .help = "trust only these CAs for MTA-STS (policy, MX certificates)"},
                          {.name = "--mta-sts-connect",
                           .metavar = "IP:PORT",
                           .help = "fetch policies from this address instead of mta-sts.DOMAIN:443"},
                          {.name = "--postfix-config",
                           .metavar = "DIR",
                           .help = "the Postfix whose certificates and myhostname to use (postconf -c)"},
                          {.name = "--smtp-connect",
                           .metavar = "IP:PORT",
                           .help = "probe the live key here instead of each MX host's port 25"},
                          {.name = "--check", .help = "look each record up in the configured DNS"}}}});

}  // namespace
}  // namespace postern::ctl
