// Implements the live probes. Contract in probes.h; every id is documented in docs/audit.md.
#include "tools/posternctl/audit/probes.h"

#include <algorithm>
#include <set>
#include <thread>

#include "tools/posternctl/audit/checks.h"
#include "tools/posternctl/audit/tls_cert.h"

namespace postern::audit {
namespace {

bool smtp(ListenerKind k) {
  return k == ListenerKind::smtp_mx || k == ListenerKind::smtp_submission || k == ListenerKind::smtps;
}
bool implicit(ListenerKind k) {
  return k == ListenerKind::smtps || k == ListenerKind::imaps || k == ListenerKind::pop3s;
}
// Listeners where users log in: TLS must be strict there; the MX takes what it can get.
bool strict(ListenerKind k) { return k != ListenerKind::smtp_mx; }

// Dovecot counts a client on its own address as secured; from another loopback address the
// probe sees what a remote client sees. "" when host is not an IPv4 loopback address.
std::string mail_source(const std::string& host) {
  if (host.rfind("127.", 0) != 0) return "";
  return host == "127.0.0.2" ? "127.0.0.3" : "127.0.0.2";
}

std::string reload_fix(ListenerKind k) { return smtp(k) ? "postfix reload" : "doveadm reload"; }

// One probe's findings, gathered in its thread.
using Findings = std::vector<Finding>;

Finding listener_failure(const ProbeTarget& t, ProbeFailure f, const std::string& error,
                         const std::string& what) {
  std::string fix = f == ProbeFailure::connect
                        ? "start the service or remove the listener from the configuration"
                        : "check what answers on port " + std::to_string(t.port);
  return {"probe.listener",
          Severity::error,
          t.where,
          what,
          probe_failure_name(f),
          "port " + std::to_string(t.port) + ": " + error,
          fix};
}

SmtpTlsProbe smtp_probe(const ProbeTarget& t, const ProbeSettings& s, const TlsOffer& offer) {
  return probe_smtp_tls(s.host, t.port, implicit(t.kind) ? TlsStart::implicit : TlsStart::starttls, offer,
                        s.timeout);
}

// Whether a handshake with offer succeeds on t; local_cannot_offer when the local OpenSSL cannot.
ProbeFailure try_offer(const ProbeTarget& t, const ProbeSettings& s, const TlsOffer& offer) {
  if (smtp(t.kind)) {
    auto r = smtp_probe(t, s, offer);
    return r.tls ? ProbeFailure::none : r.failure;
  }
  auto r = probe_mail_tls(
      s.host, t.port,
      t.kind == ListenerKind::imap || t.kind == ListenerKind::imaps ? MailProtocol::imap : MailProtocol::pop3,
      implicit(t.kind) ? TlsStart::implicit : TlsStart::starttls, offer, s.timeout, mail_source(s.host));
  return r.tls ? ProbeFailure::none : r.failure;
}

void check_served_cert(const ProbeTarget& t, const ProbeSettings& s, const TlsInfo& tls, Findings& out) {
  if (tls.chain_der.empty()) {
    out.push_back(
        {"probe.cert.none", Severity::error, t.where, "certificate", "", "no certificate was served", ""});
    return;
  }
  auto info = cert_info(tls.chain_der[0]);
  if (!info) return;
  if (!t.configured_cert.empty()) {
    // Any chain's leaf (a file may hold an RSA and an ECDSA chain; the client's offer picks one).
    auto conf = read_pem_chains(t.configured_cert);
    if (conf && std::none_of(conf->begin(), conf->end(),
                             [&](const ctl::PemChain& c) { return c.der[0] == tls.chain_der[0]; })) {
      auto cinfo = cert_info((*conf)[0].der[0]);
      out.push_back(
          {"probe.cert.not-reloaded", Severity::error, t.where, "certificate", info->sha256.substr(0, 16),
           "the certificate served is not the one in " + t.configured_cert +
               (cinfo
                    ? " (file " + cinfo->sha256.substr(0, 16) + ", served " + info->sha256.substr(0, 16) + ")"
                    : std::string()) +
               ": renewed on disk but not reloaded?",
           reload_fix(t.kind)});
    }
  }
  if (!s.name.empty() && !cert_covers_name(*info, s.name))
    out.push_back({"probe.cert.name", Severity::error, t.where, "certificate", info->subject_cn,
                   "the certificate served is not valid for " + s.name,
                   "install a certificate for " + s.name});
  if (info->not_after <= s.now) {
    out.push_back({"probe.cert.expired", Severity::error, t.where, "certificate", info->subject_cn,
                   "the certificate served has expired", "renew the certificate and " + reload_fix(t.kind)});
  } else if (info->not_after - s.now < kCertWarnSeconds) {
    out.push_back(
        {"probe.cert.expiring", Severity::warning, t.where, "certificate", info->subject_cn,
         "the certificate served expires in " + std::to_string((info->not_after - s.now) / 86400) + " days",
         "renew the certificate and " + reload_fix(t.kind)});
  }
  auto v = verify_chain(tls.chain_der, s.ca_file, s.now);
  if (!v && v.error().message.find("expired") == std::string::npos)
    out.push_back({"probe.cert.chain", Severity::error, t.where, "certificate", info->subject_cn,
                   "the chain served does not verify to the trusted roots: " + v.error().message,
                   "serve the full chain (leaf first, then intermediates) from a public CA"});
  if (tls.compression)
    out.push_back({"probe.tls.compression", Severity::error, t.where, "compression", "on",
                   "TLS compression is on (CRIME)", "disable TLS compression"});
  if (!tls.forward_secret)
    out.push_back({"probe.tls.no-forward-secrecy", Severity::warning, t.where, "cipher", tls.cipher,
                   "the suite negotiated by default (" + tls.cipher + ") has no forward secrecy",
                   "prefer ECDHE suites (Postfix tls_preempt_cipherlist = yes; Dovecot "
                   "ssl_prefer_server_ciphers = yes)"});
}

void probe_versions_and_suites(const ProbeTarget& t, const ProbeSettings& s, Findings& out) {
  std::vector<std::thread> threads;
  static const TlsVersion kVersions[] = {TlsVersion::tls1_0, TlsVersion::tls1_1, TlsVersion::tls1_2,
                                         TlsVersion::tls1_3};
  ProbeFailure vres[4] = {ProbeFailure::none, ProbeFailure::none, ProbeFailure::none, ProbeFailure::none};
  static const char* kClasses[] = {"eNULL", "aNULL", "EXPORT", "RC4", "3DES"};
  ProbeFailure cres[5];
  // What the local OpenSSL cannot offer is not tried (no connection spent on it; reported once as
  // probe.local-openssl).
  for (int i = 0; i < 4; ++i) {
    if (!local_can_offer(kVersions[i])) {
      vres[i] = ProbeFailure::local_cannot_offer;
      continue;
    }
    threads.emplace_back([&, i] {
      TlsOffer o;
      o.only_version = kVersions[i];
      o.everything = true;
      if (kVersions[i] != TlsVersion::tls1_3) o.cipher_list = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
      vres[i] = try_offer(t, s, o);
    });
  }
  for (int i = 0; i < 5; ++i) {
    if (!local_has_suites(std::string(kClasses[i]) + ":@SECLEVEL=0")) {
      cres[i] = ProbeFailure::local_cannot_offer;
      continue;
    }
    threads.emplace_back([&, i] {
      TlsOffer o;
      o.only_version = TlsVersion::tls1_2;
      o.everything = true;
      o.cipher_list = std::string(kClasses[i]) + ":@SECLEVEL=0";
      cres[i] = try_offer(t, s, o);
    });
  }
  for (auto& th : threads) th.join();
  std::string versions;
  for (int i = 0; i < 4; ++i)
    if (vres[i] == ProbeFailure::none)
      versions += (versions.empty() ? "" : ", ") + std::string(tls_version_name(kVersions[i]));
  out.push_back({"probe.tls.versions", Severity::info, t.where, "protocol", versions,
                 "TLS versions accepted: " + (versions.empty() ? std::string("none") : versions), ""});
  if (vres[2] != ProbeFailure::none && vres[3] != ProbeFailure::none)
    out.push_back({"probe.tls.no-modern-version", Severity::error, t.where, "protocol", versions,
                   "neither TLS 1.2 nor TLS 1.3 is accepted",
                   smtp(t.kind) ? "smtpd_tls_protocols = >=TLSv1.2" : "ssl_min_protocol = TLSv1.2"});
  for (int i = 0; i < 2; ++i) {
    if (vres[i] != ProbeFailure::none) continue;
    out.push_back({"probe.tls.legacy-version", strict(t.kind) ? Severity::error : Severity::warning, t.where,
                   "protocol", tls_version_name(kVersions[i]),
                   std::string(tls_version_name(kVersions[i])) + " is accepted (deprecated by RFC 8996)",
                   !smtp(t.kind) ? "ssl_min_protocol = TLSv1.2 (in dovecot.conf)"
                   : t.kind == ListenerKind::smtp_mx
                       ? "postconf -e 'smtpd_tls_protocols = >=TLSv1.2'"
                       : "-o smtpd_tls_mandatory_protocols=>=TLSv1.2 under " + t.where});
  }
  std::string accepted;
  bool only_anon_or_3des = true;
  for (int i = 0; i < 5; ++i) {
    if (cres[i] != ProbeFailure::none) continue;
    accepted += (accepted.empty() ? "" : ", ") + std::string(kClasses[i]);
    if (i != 1 && i != 4) only_anon_or_3des = false;
  }
  if (!accepted.empty()) {
    Severity sev = strict(t.kind) ? Severity::error : only_anon_or_3des ? Severity::info : Severity::warning;
    out.push_back(
        {"probe.tls.weak-suites", sev, t.where, "cipher", accepted, "weak suites are accepted: " + accepted,
         !smtp(t.kind) ? "ssl_cipher_list = HIGH:!aNULL:!eNULL:!3DES:!RC4:!MD5 (in dovecot.conf)"
         : t.kind == ListenerKind::smtp_mx
             ? "postconf -e 'smtpd_tls_exclude_ciphers = aNULL, eNULL, EXPORT, RC4, 3DES, MD5'"
             : "-o smtpd_tls_mandatory_exclude_ciphers=aNULL,eNULL,EXPORT,RC4,3DES,MD5 under " + t.where});
  }
}

void probe_smtp_listener(const ProbeTarget& t, const ProbeSettings& s, Findings& out) {
  TlsOffer offer;
  offer.sni = s.name;
  auto r = smtp_probe(t, s, offer);
  if (implicit(t.kind)) {
    if (!r.tls) {
      if (r.failure == ProbeFailure::handshake || r.failure == ProbeFailure::garbage)
        out.push_back({"probe.smtps.not-implicit", Severity::error, t.where, "smtpd_tls_wrappermode",
                       probe_failure_name(r.failure),
                       "port " + std::to_string(t.port) + " does not start TLS at connect: " + r.error,
                       "-o smtpd_tls_wrappermode=yes under " + t.where});
      else
        out.push_back(listener_failure(t, r.failure, r.error, "connect"));
      return;
    }
  } else {
    if (r.banner.code == 0) {
      out.push_back(listener_failure(t, r.failure, r.error, "banner"));
      return;
    }
    if (r.ehlo_plain.has_keyword("AUTH"))
      out.push_back({"probe.smtp.auth-before-tls", Severity::error, t.where, "smtpd_tls_auth_only", "no",
                     "EHLO offers AUTH before STARTTLS: passwords can be sent in clear text",
                     "-o smtpd_tls_auth_only=yes under " + t.where});
    if (!r.ehlo_plain.has_keyword("STARTTLS")) {
      out.push_back({"probe.smtp.no-starttls", Severity::error, t.where, "smtpd_tls_security_level", "",
                     "EHLO does not offer STARTTLS",
                     t.kind == ListenerKind::smtp_mx
                         ? "postconf -e 'smtpd_tls_security_level = may'"
                         : "-o smtpd_tls_security_level=encrypt under " + t.where});
      return;
    }
    if (r.extra_after_starttls)
      out.push_back({"probe.smtp.starttls-injection", Severity::error, t.where, "STARTTLS", "",
                     "bytes sent before the TLS handshake were kept (CVE-2011-0411 class)",
                     "upgrade the server"});
    if (!r.tls) {
      out.push_back({"probe.tls.handshake", Severity::error, t.where, "STARTTLS",
                     probe_failure_name(r.failure),
                     "the TLS handshake failed with a default client: " + r.error,
                     "check smtpd_tls_cert_file / smtpd_tls_key_file and the maillog"});
      return;
    }
  }
  check_served_cert(t, s, *r.tls, out);
  probe_versions_and_suites(t, s, out);
}

void probe_submission_mail(const ProbeTarget& t, const ProbeSettings& s, Findings& out) {
  ProbeConnection c(s.host, t.port, Deadline::after(s.timeout));
  auto b = c.smtp_read();
  if (!b) return;  // reported by the main probe
  auto e = c.smtp_command("EHLO posternctl-audit.invalid");
  if (!e) return;
  auto m = c.smtp_command("MAIL FROM:<audit@postern-audit.invalid>");
  if (m && m->code / 100 == 2)
    out.push_back({"probe.submission.mail-before-tls", Severity::error, t.where, "MAIL FROM",
                   std::to_string(m->code), "MAIL FROM is accepted before STARTTLS on submission",
                   "-o smtpd_tls_security_level=encrypt under " + t.where});
  c.smtp_command("QUIT");
}

void probe_relay(const ProbeTarget& t, const ProbeSettings& s, Findings& out) {
  ProbeConnection c(s.host, t.port, Deadline::after(s.timeout));
  auto b = c.smtp_read();
  if (!b) return;
  auto e = c.smtp_command("EHLO posternctl-audit.invalid");
  if (!e) return;
  if (!e->has_keyword("XCLIENT")) {
    out.push_back({"probe.relay.skipped", Severity::info, t.where, "smtpd_authorized_xclient_hosts", "",
                   "open-relay probe skipped: XCLIENT is not allowed from " + s.host +
                       ", and a probe from there is trusted by permit_mynetworks",
                   "postconf -e 'smtpd_authorized_xclient_hosts = 127.0.0.1' to let the audit pose as an "
                   "outside client"});
    c.smtp_command("QUIT");
    return;
  }
  auto x = c.smtp_command("XCLIENT ADDR=192.0.2.77 NAME=[UNAVAILABLE]");
  if (!x || x->code != 220) {
    out.push_back({"probe.relay.skipped", Severity::info, t.where, "smtpd_authorized_xclient_hosts",
                   x ? std::to_string(x->code) : probe_failure_name(c.failure()),
                   "open-relay probe skipped: XCLIENT was refused", ""});
    return;
  }
  if (!c.smtp_command("EHLO outside.postern-audit.invalid")) return;
  auto m = c.smtp_command("MAIL FROM:<audit@postern-audit.invalid>");
  if (!m) return;
  if (m->code / 100 != 2) {
    out.push_back({"probe.relay.skipped", Severity::info, t.where, "MAIL FROM", std::to_string(m->code),
                   "open-relay probe skipped: MAIL FROM from an outside address was refused before RCPT",
                   ""});
    c.smtp_command("QUIT");
    return;
  }
  auto rc = c.smtp_command("RCPT TO:<relay-probe@relay-target.invalid>");
  if (rc && rc->code / 100 == 2)
    out.push_back(
        {"probe.relay.open", Severity::error, t.where, "smtpd_relay_restrictions", std::to_string(rc->code),
         "an outside client (192.0.2.77, via XCLIENT) may relay to an outside recipient: open relay",
         "postconf -e 'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, "
         "reject_unauth_destination'"});
  c.smtp_command("RSET");
  c.smtp_command("QUIT");
}

void probe_mail_listener(const ProbeTarget& t, const ProbeSettings& s, Findings& out) {
  bool imap = t.kind == ListenerKind::imap || t.kind == ListenerKind::imaps;
  TlsOffer offer;
  offer.sni = s.name;
  auto r = probe_mail_tls(s.host, t.port, imap ? MailProtocol::imap : MailProtocol::pop3,
                          implicit(t.kind) ? TlsStart::implicit : TlsStart::starttls, offer, s.timeout,
                          mail_source(s.host));
  if (!implicit(t.kind)) {
    if (r.failure != ProbeFailure::none && r.failure != ProbeFailure::refused &&
        r.capabilities_plain.empty() && !r.tls) {
      out.push_back(listener_failure(t, r.failure, r.error, "greeting"));
      return;
    }
    if (imap && !r.login_disabled)
      out.push_back({"probe.imap.login-before-tls", Severity::error, t.where, "disable_plaintext_auth", "no",
                     "IMAP does not announce LOGINDISABLED before STARTTLS: clients may log in in clear text",
                     "disable_plaintext_auth = yes (in dovecot.conf)"});
    if (!imap) {
      bool user = false;
      for (const auto& c : r.capabilities_plain) user = user || c == "USER";
      if (user)
        out.push_back({"probe.pop3.login-before-tls", Severity::error, t.where, "disable_plaintext_auth",
                       "no", "POP3 offers USER before STLS: clients may log in in clear text",
                       "disable_plaintext_auth = yes (in dovecot.conf)"});
    }
    if (!r.stls_offered) {
      out.push_back({"probe.mail.no-starttls", Severity::error, t.where, "ssl", "",
                     std::string(imap ? "IMAP" : "POP3") + " does not offer STARTTLS",
                     "ssl = required (in dovecot.conf)"});
      return;
    }
  }
  if (!r.tls) {
    if (implicit(t.kind) && (r.failure == ProbeFailure::handshake || r.failure == ProbeFailure::garbage))
      out.push_back({"probe.mail.not-implicit", Severity::error, t.where, "ssl",
                     probe_failure_name(r.failure),
                     "port " + std::to_string(t.port) + " does not start TLS at connect: " + r.error,
                     "ssl = yes in the inet_listener block"});
    else if (r.failure == ProbeFailure::handshake)
      out.push_back({"probe.tls.handshake", Severity::error, t.where, "ssl", probe_failure_name(r.failure),
                     "the TLS handshake failed with a default client: " + r.error,
                     "check ssl_cert / ssl_key"});
    else
      out.push_back(listener_failure(t, r.failure, r.error, "tls"));
    return;
  }
  check_served_cert(t, s, *r.tls, out);
  probe_versions_and_suites(t, s, out);
}

std::string dovecot_cert_path(const DovecotConfig& d) {
  std::string v = d.get("ssl_cert");
  if (!v.empty() && v[0] == '<') return v.substr(1);
  return "";
}

}  // namespace

std::vector<ProbeTarget> plan_probes(const PostfixConfig* pf, const DovecotConfig* dc) {
  std::vector<ProbeTarget> out;
  if (pf) {
    for (const auto& s : pf->services) {
      SmtpRole role = smtp_role(*pf, s);
      if (role == SmtpRole::other || s.port() == 0) continue;
      ProbeTarget t;
      t.kind = role == SmtpRole::smtps        ? ListenerKind::smtps
               : role == SmtpRole::submission ? ListenerKind::smtp_submission
                                              : ListenerKind::smtp_mx;
      t.port = s.port();
      t.where = s.where();
      t.configured_cert = postfix_cert_files(*pf, s).cert;
      out.push_back(t);
    }
  }
  if (dc) {
    std::string words = dc->get("protocols");
    auto active = [&](const std::string& p) {
      return (" " + words + " ").find(" " + p + " ") != std::string::npos;
    };
    for (const auto& l : dc->listeners()) {
      if (l.unix_socket || l.port <= 0) continue;
      bool imap = l.service == "imap-login", pop3 = l.service == "pop3-login";
      if ((!imap && !pop3) || !active(imap ? "imap" : "pop3")) continue;
      ProbeTarget t;
      t.kind = imap ? (l.ssl ? ListenerKind::imaps : ListenerKind::imap)
                    : (l.ssl ? ListenerKind::pop3s : ListenerKind::pop3);
      t.port = l.port;
      t.where = "dovecot: service " + l.service + " inet_listener " + l.name;
      if (dc->get("ssl") != "no") t.configured_cert = dovecot_cert_path(*dc);
      out.push_back(t);
    }
  }
  return out;
}

void run_probes(const std::vector<ProbeTarget>& targets, const ProbeSettings& s, Report& report) {
  std::vector<Findings> results(targets.size() * 3);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto& t = targets[i];
    if (smtp(t.kind)) {
      threads.emplace_back([&, i] { probe_smtp_listener(targets[i], s, results[3 * i]); });
      if (t.kind == ListenerKind::smtp_submission)
        threads.emplace_back([&, i] { probe_submission_mail(targets[i], s, results[3 * i + 1]); });
      if (t.kind == ListenerKind::smtp_mx)
        threads.emplace_back([&, i] { probe_relay(targets[i], s, results[3 * i + 2]); });
    } else {
      threads.emplace_back([&, i] { probe_mail_listener(targets[i], s, results[3 * i]); });
    }
  }
  for (auto& th : threads) th.join();
  if (!targets.empty()) {
    std::string cannot;
    for (TlsVersion v : {TlsVersion::tls1_0, TlsVersion::tls1_1})
      if (!local_can_offer(v)) cannot += (cannot.empty() ? "" : ", ") + std::string(tls_version_name(v));
    for (const char* c : {"eNULL", "aNULL", "EXPORT", "RC4", "3DES"})
      if (!local_has_suites(std::string(c) + ":@SECLEVEL=0"))
        cannot += (cannot.empty() ? "" : ", ") + std::string(c);
    if (!cannot.empty())
      report.add(
          {"probe.local-openssl", Severity::info, "posternctl", "OpenSSL", cannot,
           "the local OpenSSL cannot offer " + cannot + ", so whether the servers accept it was not tested",
           ""});
  }
  for (auto& f : results)
    for (auto& x : f) report.add(std::move(x));
}

}  // namespace postern::audit
