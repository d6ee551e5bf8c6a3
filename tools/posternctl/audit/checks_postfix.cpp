// The static checks of Postfix's configuration (ids postfix.*). Contract in checks.h; every id is
// documented in docs/audit.md.
#include <sys/stat.h>

#include <set>

#include "common/net/ip.h"
#include "tools/posternctl/audit/checks.h"
#include "tools/posternctl/audit/restrictions.h"
#include "tools/posternctl/audit/tls_cert.h"
#include "tools/posternctl/audit/tls_policy.h"

namespace postern::audit {
namespace {

bool yes(const std::string& v) { return v == "yes" || v == "true" || v == "1"; }

std::string main_fix(const std::string& name, const std::string& value) {
  return "postconf -e '" + name + " = " + value + "'";
}

// A master.cf -o takes one word: list separators become bare commas.
std::string svc_fix(const PostfixService& s, const std::string& name, const std::string& value) {
  std::string v;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == ' ' && (v.empty() || v.back() == ',')) continue;
    v.push_back(value[i] == ' ' ? ',' : value[i]);
  }
  return "-o " + name + "=" + v + " under " + s.where();
}

// The fix for a setting of service s: in master.cf when the service overrides it (or for
// per-service roles), else in main.cf.
std::string fix_for(const PostfixConfig& c, const PostfixService& s, const std::string& name,
                    const std::string& value, bool service_specific) {
  if (service_specific || c.overridden(s, name)) return svc_fix(s, name, value);
  return main_fix(name, value);
}

std::string where_for(const PostfixConfig& c, const PostfixService* s, const std::string& name) {
  if (s && c.overridden(*s, name)) return s->where();
  if (s) return "main.cf (" + s->where() + ")";
  return "main.cf";
}

bool sasl_enabled(const PostfixConfig& c, const PostfixService& s) {
  return yes(c.get(s, "smtpd_sasl_auth_enable"));
}

// The OpenSSL cipher string Postfix builds for a grade and its exclusions.
std::string postfix_cipher_string(const PostfixConfig& c, const PostfixService& s, bool mandatory) {
  std::string grade = c.get(s, mandatory ? "smtpd_tls_mandatory_ciphers" : "smtpd_tls_ciphers");
  std::string list = c.get(s, "tls_" + grade + "_cipherlist");
  std::string excl = c.get(s, "smtpd_tls_exclude_ciphers");
  if (mandatory) excl += " " + c.get(s, "smtpd_tls_mandatory_exclude_ciphers");
  for (const auto& w : restriction_words(excl)) list += ":!" + w;
  return list;
}

// The cipher string without "@SECLEVEL=0" (and the ':' before it).
std::string without_seclevel0(std::string v) {
  size_t at;
  while ((at = v.find("@SECLEVEL=0")) != std::string::npos) {
    size_t from = at > 0 && v[at - 1] == ':' ? at - 1 : at;
    v.erase(from, at + 11 - from);
  }
  return v.empty() ? "DEFAULT" : v;
}

bool is_public(const IpNetwork& n) {
  static const char* kNotPublic[] = {"10.0.0.0/8",     "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                                     "169.254.0.0/16", "100.64.0.0/10", "192.0.2.0/24",   "198.51.100.0/24",
                                     "203.0.113.0/24", "::1/128",       "fc00::/7",       "fe80::/10",
                                     "2001:db8::/32"};
  for (const char* t : kNotPublic) {
    auto p = IpNetwork::parse(t);
    if (p && p->base.v6 == n.base.v6 && p->prefix_len <= n.prefix_len && p->contains(n.base)) return false;
  }
  return true;
}

// The public MX (port 25): STARTTLS offered but not required, no AUTH (or AUTH only after TLS).
void check_mx(const PostfixConfig& c, const PostfixService& s, const std::string& level, bool tls_on,
              Report& r) {
  if (!tls_on) {
    r.add({"postfix.mx.no-starttls", Severity::error, s.where(), "smtpd_tls_security_level", level,
           "the MX does not offer STARTTLS: mail from other servers travels in clear text",
           fix_for(c, s, "smtpd_tls_security_level", "may", false)});
  } else if (level == "encrypt") {
    r.add({"postfix.mx.encrypt", Severity::error, where_for(c, &s, "smtpd_tls_security_level"),
           "smtpd_tls_security_level", level,
           "the public MX requires TLS: servers that cannot do STARTTLS can no longer deliver to you (RFC "
           "3207 "
           "forbids this on a publicly-referenced server)",
           fix_for(c, s, "smtpd_tls_security_level", "may", false)});
  }
  if (sasl_enabled(c, s)) {
    r.add({"postfix.mx.sasl", Severity::warning, where_for(c, &s, "smtpd_sasl_auth_enable"),
           "smtpd_sasl_auth_enable", "yes",
           "SASL authentication is enabled on the MX; users should submit on 587/465, where TLS is required",
           fix_for(c, s, "smtpd_sasl_auth_enable", "no", true)});
    if (!yes(c.get(s, "smtpd_tls_auth_only")) && level != "encrypt") {
      r.add({"postfix.mx.auth-before-tls", Severity::error, where_for(c, &s, "smtpd_tls_auth_only"),
             "smtpd_tls_auth_only", c.get(s, "smtpd_tls_auth_only"),
             "AUTH is offered before STARTTLS on the MX: passwords can be sent in clear text",
             fix_for(c, s, "smtpd_tls_auth_only", "yes", false)});
    }
  }
}

// Protocols, cipher grade and weak suite classes of a submission service that has TLS;
// mandatory: the service requires TLS (its mandatory_* settings apply).
void check_submission_tls(const PostfixConfig& c, const PostfixService& s, const char* what, bool mandatory,
                          Report& r) {
  std::string pname = mandatory ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols";
  ProtoSet protos = postfix_protocols(c.get(s, pname));
  std::string old = protos.below(Proto::tls1_2);
  if (!old.empty()) {
    r.add({"postfix.submission.protocols", Severity::error, where_for(c, &s, pname), pname, c.get(s, pname),
           std::string(what) + " accepts " + old + " (TLS 1.2 or newer only, RFC 8996)",
           svc_fix(s, pname, ">=TLSv1.2")});
  }
  std::string gname = mandatory ? "smtpd_tls_mandatory_ciphers" : "smtpd_tls_ciphers";
  std::string grade = c.get(s, gname);
  if (grade != "high") {
    r.add({"postfix.submission.cipher-grade", Severity::warning, where_for(c, &s, gname), gname, grade,
           std::string(what) + " accepts cipher grade \"" + grade +
               "\"; clients that submit mail all do \"high\"",
           svc_fix(s, gname, "high")});
  }
  auto weak = weak_suite_classes(postfix_cipher_string(c, s, mandatory));
  if (!weak.present.empty()) {
    std::string xname = mandatory ? "smtpd_tls_mandatory_exclude_ciphers" : "smtpd_tls_exclude_ciphers";
    r.add({"postfix.submission.weak-ciphers", Severity::error, where_for(c, &s, xname), xname,
           c.get(s, xname),
           std::string(what) + " enables " + weak.names() +
               " suites (anonymous suites let a man in the middle read the password)",
           svc_fix(s, xname, "aNULL,eNULL,EXPORT,RC4,3DES,MD5")});
  }
}

// Submission (587) and smtps (465): TLS required before AUTH, SASL on, no mail without a login.
void check_submission(const PostfixConfig& c, const PostfixService& s, SmtpRole role,
                      const std::string& level, bool tls_on, bool wrapper, Report& r) {
  const char* what = role == SmtpRole::submission ? "submission" : "smtps";
  if (role == SmtpRole::submission && level != "encrypt") {
    r.add({"postfix.submission.tls-required", Severity::error, where_for(c, &s, "smtpd_tls_security_level"),
           "smtpd_tls_security_level", level,
           "submission does not require TLS: clients may send passwords and mail in clear text (RFC 8314)",
           svc_fix(s, "smtpd_tls_security_level", "encrypt")});
  }
  if (role == SmtpRole::smtps && !wrapper) {
    r.add({"postfix.smtps.wrappermode", Severity::error, where_for(c, &s, "smtpd_tls_wrappermode"),
           "smtpd_tls_wrappermode", c.get(s, "smtpd_tls_wrappermode"),
           "the smtps service (465) does not start TLS at connect (RFC 8314 implicit TLS)",
           svc_fix(s, "smtpd_tls_wrappermode", "yes")});
  }
  if (!yes(c.get(s, "smtpd_tls_auth_only")) && !(role == SmtpRole::smtps && wrapper)) {
    bool exposed = level != "encrypt";
    r.add({"postfix.submission.auth-only", exposed ? Severity::error : Severity::warning,
           where_for(c, &s, "smtpd_tls_auth_only"), "smtpd_tls_auth_only", c.get(s, "smtpd_tls_auth_only"),
           exposed ? std::string(what) + " offers AUTH before STARTTLS: passwords can be sent in clear text"
                   : std::string(what) + " relies on the TLS level alone to keep AUTH behind STARTTLS",
           svc_fix(s, "smtpd_tls_auth_only", "yes")});
  }
  if (!sasl_enabled(c, s)) {
    r.add({"postfix.submission.no-sasl", Severity::warning, where_for(c, &s, "smtpd_sasl_auth_enable"),
           "smtpd_sasl_auth_enable", c.get(s, "smtpd_sasl_auth_enable"),
           std::string(what) + " has SASL authentication off: users cannot log in to send",
           svc_fix(s, "smtpd_sasl_auth_enable", "yes")});
  }
  // Without TLS at all (reported above) protocols and ciphers are moot.
  if (tls_on || wrapper) check_submission_tls(c, s, what, level == "encrypt", r);
  bool refuses = refuses_unauthenticated(c.get(s, "smtpd_client_restrictions")) ||
                 refuses_unauthenticated(c.get(s, "smtpd_relay_restrictions")) ||
                 refuses_unauthenticated(c.get(s, "smtpd_recipient_restrictions"));
  if (!refuses) {
    r.add({"postfix.submission.unauthenticated", Severity::warning,
           where_for(c, &s, "smtpd_client_restrictions"), "smtpd_client_restrictions",
           c.get(s, "smtpd_client_restrictions"),
           std::string(what) + " accepts mail from clients that did not log in",
           svc_fix(s, "smtpd_client_restrictions", "permit_sasl_authenticated,reject")});
  }
}

// Any smtpd listener: SSLv2/v3 and relaying.
void check_any_listener(const PostfixConfig& c, const PostfixService& s, bool tls_on, Report& r) {
  ProtoSet opp = postfix_protocols(c.get(s, "smtpd_tls_protocols"));
  if (tls_on && (opp.has(Proto::sslv2) || opp.has(Proto::sslv3)) &&
      (c.overridden(s, "smtpd_tls_protocols"))) {
    r.add({"postfix.tls.sslv3", Severity::error, s.where(), "smtpd_tls_protocols",
           c.get(s, "smtpd_tls_protocols"), "SSLv2/SSLv3 are not excluded",
           svc_fix(s, "smtpd_tls_protocols", ">=TLSv1.2")});
  }
  auto relay = judge_relay(c.get(s, "smtpd_relay_restrictions"));
  auto recip = judge_relay(c.get(s, "smtpd_recipient_restrictions"));
  if (relay.verdict != RelayVerdict::safe && recip.verdict != RelayVerdict::safe) {
    bool open = relay.verdict == RelayVerdict::open && recip.verdict == RelayVerdict::open;
    std::string name = c.get(s, "smtpd_relay_restrictions").empty() ? "smtpd_recipient_restrictions"
                                                                    : "smtpd_relay_restrictions";
    std::string culprit = !relay.culprit.empty() ? relay.culprit : recip.culprit;
    r.add({open ? "postfix.relay.open" : "postfix.relay.map-may-permit",
           open ? Severity::error : Severity::warning, where_for(c, &s, name), name, c.get(s, name),
           open ? "nothing stops unauthenticated relaying" +
                      (culprit.empty() ? std::string()
                                       : " (\"" + culprit + "\" permits before reject_unauth_destination)")
                : "\"" + culprit + "\" may permit any client before reject_unauth_destination",
           fix_for(c, s, name, "permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination",
                   false)});
  }
}

void check_service(const PostfixConfig& c, const PostfixService& s, Report& r) {
  SmtpRole role = smtp_role(c, s);
  std::string level = smtpd_tls_level(c, s);
  bool tls_on = level != "none" && level != "";
  bool wrapper = yes(c.get(s, "smtpd_tls_wrappermode"));
  if (role == SmtpRole::mx) check_mx(c, s, level, tls_on, r);
  if (role == SmtpRole::submission || role == SmtpRole::smtps)
    check_submission(c, s, role, level, tls_on, wrapper, r);
  check_any_listener(c, s, tls_on, r);
}

void check_mynetworks(const PostfixConfig& c, Report& r) {
  std::string v = c.get("mynetworks");
  for (const auto& w0 : restriction_words(v)) {
    std::string w = w0;
    if (w.find("hash:") == 0 || w.find("cidr:") == 0 || w.find("lmdb:") == 0 || w.find("texthash:") == 0 ||
        w.find("inline:") == 0 || w.front() == '/')
      continue;
    std::string t;
    for (char ch : w)
      if (ch != '[' && ch != ']') t.push_back(ch);
    auto n = IpNetwork::parse(t);
    if (!n) continue;
    int wide = n->base.v6 ? 16 : 8;
    int pub_wide = n->base.v6 ? 48 : 24;
    if (n->prefix_len < wide || (is_public(*n) && n->prefix_len < pub_wide)) {
      r.add({"postfix.relay.mynetworks", Severity::error, "main.cf", "mynetworks", v,
             "mynetworks trusts " + n->str() + ": every host there may relay through this server",
             main_fix("mynetworks", "127.0.0.0/8 [::1]/128")});
    } else if (is_public(*n)) {
      r.add({"postfix.relay.mynetworks-public", Severity::warning, "main.cf", "mynetworks", v,
             "mynetworks trusts the public network " + n->str() +
                 "; prefer SASL authentication for remote senders",
             main_fix("mynetworks", "127.0.0.0/8 [::1]/128")});
    }
  }
}

void check_tls_main(const PostfixConfig& c, bool any_tls, Report& r) {
  std::set<std::string> reported;
  for (const auto& [name, raw] : c.params()) {
    if (raw.find("@SECLEVEL=0") != std::string::npos ||
        c.get(name).find("@SECLEVEL=0") != std::string::npos) {
      r.add({"postfix.tls.seclevel0", Severity::error, "main.cf", name, c.get(name),
             "@SECLEVEL=0 re-enables what OpenSSL 3 refuses (anonymous and NULL suites, SHA-1, short keys)",
             main_fix(name, without_seclevel0(c.get(name)))});
      reported.insert(name);
    }
  }
  for (const auto& s : c.services)
    for (const auto& [name, v] : s.overrides)
      if (v.find("@SECLEVEL=0") != std::string::npos)
        r.add({"postfix.tls.seclevel0", Severity::error, s.where(), name, v,
               "@SECLEVEL=0 re-enables what OpenSSL 3 refuses (anonymous and NULL suites, SHA-1, short keys)",
               svc_fix(s, name, without_seclevel0(v))});
  for (const char* g : {"tls_high_cipherlist", "tls_medium_cipherlist", "tls_low_cipherlist",
                        "tls_export_cipherlist", "tls_null_cipherlist"}) {
    if (c.set_in_main(g) && !reported.count(g))
      r.add({"postfix.tls.cipherlist-overridden", Severity::info, "main.cf", g, c.get(g),
             std::string(g) + " is overridden; Postfix's default follows OpenSSL's updates",
             "postconf -X " + std::string(g)});
  }
  ProtoSet opp = postfix_protocols(c.get("smtpd_tls_protocols"));
  if (any_tls && (opp.has(Proto::sslv2) || opp.has(Proto::sslv3))) {
    r.add({"postfix.tls.sslv3", Severity::error, "main.cf", "smtpd_tls_protocols",
           c.get("smtpd_tls_protocols"),
           "SSLv2/SSLv3 are not excluded for opportunistic TLS (excluding them only in "
           "smtpd_tls_mandatory_protocols does not cover level \"may\")",
           main_fix("smtpd_tls_protocols", ">=TLSv1.2")});
  } else if (any_tls && c.set_in_main("smtpd_tls_protocols") && !opp.below(Proto::tls1_2).empty()) {
    r.add({"postfix.tls.legacy-protocols", Severity::warning, "main.cf", "smtpd_tls_protocols",
           c.get("smtpd_tls_protocols"),
           "smtpd_tls_protocols still allows " + opp.below(Proto::tls1_2) + " (deprecated by RFC 8996)",
           main_fix("smtpd_tls_protocols", ">=TLSv1.2")});
  }
  std::string dh = c.get("smtpd_tls_dh1024_param_file");
  if (any_tls && !dh.empty()) {
    auto bits = dh_param_bits(dh);
    if (!bits) {
      r.add({"postfix.tls.dh-params", Severity::warning, "main.cf", "smtpd_tls_dh1024_param_file", dh,
             bits.error().message, "openssl dhparam -out " + dh + " 2048"});
    } else if (*bits < 2048) {
      r.add({"postfix.tls.dh-params", Severity::warning, "main.cf", "smtpd_tls_dh1024_param_file", dh,
             "DH parameters of " + std::to_string(*bits) + " bits (at least 2048)",
             "openssl dhparam -out " + dh + " 2048"});
    }
  }
}

}  // namespace

const char* smtp_role_name(SmtpRole r) {
  switch (r) {
    case SmtpRole::mx:
      return "mx";
    case SmtpRole::submission:
      return "submission";
    case SmtpRole::smtps:
      return "smtps";
    case SmtpRole::other:
      return "other";
  }
  return "?";
}

SmtpRole smtp_role(const PostfixConfig& c, const PostfixService& s) {
  if (!s.smtpd() || !s.inet()) return SmtpRole::other;
  if (yes(c.get(s, "smtpd_tls_wrappermode")) || s.port() == 465) return SmtpRole::smtps;
  if (s.port() == 587) return SmtpRole::submission;
  if (s.port() == 25) return SmtpRole::mx;
  std::string syslog = c.get(s, "syslog_name");
  if (syslog.find("submission") != std::string::npos) return SmtpRole::submission;
  if (syslog.find("smtps") != std::string::npos) return SmtpRole::smtps;
  return SmtpRole::mx;
}

std::string smtpd_tls_level(const PostfixConfig& c, const PostfixService& s) {
  std::string level = c.get(s, "smtpd_tls_security_level");
  if (!level.empty()) return level;
  if (yes(c.get(s, "smtpd_enforce_tls"))) return "encrypt";
  if (yes(c.get(s, "smtpd_use_tls"))) return "may";
  return "none";
}

CertFiles postfix_cert_files(const PostfixConfig& c, const PostfixService& s) {
  CertFiles f;
  std::string chain = c.get(s, "smtpd_tls_chain_files");
  if (!chain.empty()) {
    auto files = restriction_words(chain);
    if (files.empty()) return f;
    f.key = files[0];
    for (const auto& file : files)
      if (read_pem_certs(file)) {
        f.cert = file;
        break;
      }
    if (f.cert.empty()) f.cert = files.back();
    return f;
  }
  f.cert = c.get(s, "smtpd_tls_cert_file");
  f.key = c.get(s, "smtpd_tls_key_file");
  if (f.key.empty()) f.key = f.cert;
  return f;
}

void check_certificate_file(const std::string& id_prefix, const std::string& where,
                            const std::string& setting, const std::string& cert_file,
                            const std::string& key_file, const std::string& hostname, int64_t now,
                            Report& r) {
  auto chains = read_pem_chains(cert_file);
  if (!chains) {
    r.add({id_prefix + ".unreadable", Severity::error, where, setting, cert_file, chains.error().message,
           "install the certificate at " + cert_file + " or point " + setting + " at it"});
    return;
  }
  bool key_present = false;
  if (!key_file.empty()) {
    struct stat st {};
    if (stat(key_file.c_str(), &st) != 0) {
      r.add({id_prefix + ".key-unreadable", Severity::error, where, "key", key_file,
             key_file + ": no such file", "install the private key of " + cert_file + " at " + key_file});
    } else {
      key_present = true;
      if (st.st_mode & 044)
        r.add({id_prefix + ".key-mode", Severity::error, where, "key", key_file,
               "the private key is readable by group or others (mode " +
                   [&] {
                     char b[8];
                     snprintf(b, sizeof b, "%04o", static_cast<unsigned>(st.st_mode & 07777));
                     return std::string(b);
                   }() +
                   ")",
               "chmod 600 " + key_file});
    }
  }
  // Each chain of the file (an RSA and an ECDSA one in smtpd_tls_chain_files), with the key that
  // precedes it in the file, else the key file.
  for (const auto& chain : *chains) {
    auto info = cert_info(chain.der[0]);
    if (!info) continue;
    std::string file = chains->size() > 1 ? cert_file + " (" + info->key_type + " chain)" : cert_file;
    if (!chain.key_pem.empty() || key_present) {
      auto m = chain.key_pem.empty() ? key_matches_cert(key_file, chain.der[0])
                                     : key_pem_matches_cert(chain.key_pem, cert_file, chain.der[0]);
      if (!m)
        r.add(
            {id_prefix + ".key-unreadable", Severity::error, where, "key", key_file, m.error().message, ""});
      else if (!*m)
        r.add({id_prefix + ".key-mismatch", Severity::error, where, "key", key_file,
               "the private key does not belong to the certificate " + file,
               "install the key that was issued with " + file});
    }
    if (info->not_after <= now) {
      r.add({id_prefix + ".expired", Severity::error, where, setting, cert_file,
             "the certificate has expired", "renew " + file + " and reload"});
    } else if (info->not_after - now < kCertWarnSeconds) {
      r.add({id_prefix + ".expiring", Severity::warning, where, setting, cert_file,
             "the certificate expires in " + std::to_string((info->not_after - now) / 86400) + " days",
             "renew " + file + " and reload"});
    }
    bool weak_key = (info->key_type == "RSA" && info->key_bits < 2048) ||
                    (info->key_type == "EC" && info->key_bits < 256) || info->key_type == "DSA";
    if (weak_key)
      r.add({id_prefix + ".weak-key", Severity::error, where, setting, cert_file,
             "the certificate's key is " + info->key_type + " " + std::to_string(info->key_bits) +
                 " bits (RSA 2048 or EC P-256 at least)",
             "issue a new certificate with an RSA 2048+ or EC P-256 key"});
    if (info->sig_hash == "SHA1" || info->sig_hash == "MD5")
      r.add({id_prefix + ".weak-signature", Severity::error, where, setting, cert_file,
             "the certificate is signed with " + info->sig_hash + " (SHA-256 or better)",
             "issue a new certificate signed with SHA-256"});
    if (!hostname.empty() && !cert_covers_name(*info, hostname))
      r.add({id_prefix + ".name", Severity::warning, where, setting, cert_file,
             "the certificate does not cover " + hostname + " (the host name clients connect to)",
             "issue the certificate for " + hostname});
  }
}

void check_postfix(const PostfixConfig& c, int64_t now, Report& r) {
  bool any_tls = false, any_sasl = false;
  std::set<std::pair<std::string, std::string>> certs;
  for (const auto& s : c.services) {
    if (smtp_role(c, s) == SmtpRole::other) continue;
    check_service(c, s, r);
    std::string level = smtpd_tls_level(c, s);
    bool tls = (level != "none" && !level.empty()) || yes(c.get(s, "smtpd_tls_wrappermode"));
    any_tls = any_tls || tls;
    any_sasl = any_sasl || sasl_enabled(c, s);
    if (!tls) continue;
    auto files = postfix_cert_files(c, s);
    const std::string& cert = files.cert;
    const std::string& key = files.key;
    if (cert.empty() && c.get(s, "smtpd_tls_eccert_file").empty()) {
      r.add({"postfix.cert.missing", Severity::error, s.where(), "smtpd_tls_cert_file", "",
             "TLS is on but no certificate is configured: the STARTTLS handshake will fail",
             main_fix("smtpd_tls_chain_files", "/etc/ssl/private/mail.pem")});
      continue;
    }
    if (!cert.empty()) certs.insert({cert, key});
  }
  for (const auto& [cert, key] : certs)
    check_certificate_file("postfix.cert", "main.cf", "smtpd_tls_cert_file", cert, key, c.get("myhostname"),
                           now, r);
  check_tls_main(c, any_tls, r);
  if (any_sasl) {
    auto opts = restriction_words(c.get("smtpd_sasl_security_options"));
    if (find_word(opts, "noanonymous") < 0)
      r.add({"postfix.sasl.anonymous", Severity::error, "main.cf", "smtpd_sasl_security_options",
             c.get("smtpd_sasl_security_options"), "anonymous SASL logins are allowed: anyone can relay",
             main_fix("smtpd_sasl_security_options", "noanonymous")});
    if (yes(c.get("broken_sasl_auth_clients")))
      r.add({"postfix.sasl.broken-clients", Severity::warning, "main.cf", "broken_sasl_auth_clients", "yes",
             "AUTH is also announced in the obsolete \"AUTH=\" form for Outlook Express 4 / Office 2003 era "
             "clients",
             main_fix("broken_sasl_auth_clients", "no")});
  }
  check_mynetworks(c, r);
  if (!c.known("smtpd_forbid_bare_newline")) {
    r.add({"postfix.smtpd.bare-newline", Severity::info, "main.cf", "smtpd_forbid_bare_newline", "",
           "this Postfix (" + c.version + ") cannot refuse bare newlines (SMTP smuggling, CVE-2023-51764)",
           "upgrade Postfix to 3.5.23 / 3.6.13 / 3.7.9 / 3.8.4 or later"});
  } else if (c.get("smtpd_forbid_bare_newline") == "no") {
    r.add({"postfix.smtpd.bare-newline", Severity::warning, "main.cf", "smtpd_forbid_bare_newline", "no",
           "bare newlines are accepted as line ends (SMTP smuggling, CVE-2023-51764)",
           main_fix("smtpd_forbid_bare_newline", "yes")});
  }
  if (!yes(c.get("disable_vrfy_command")))
    r.add({"postfix.smtpd.vrfy", Severity::info, "main.cf", "disable_vrfy_command",
           c.get("disable_vrfy_command"), "VRFY lets anyone test which addresses exist",
           main_fix("disable_vrfy_command", "yes")});
  std::string out = c.get("smtp_tls_security_level");
  if (out.empty() || out == "none") {
    r.add({"postfix.smtp.tls-level", Severity::warning, "main.cf", "smtp_tls_security_level", out,
           "outgoing mail never uses TLS, even where the receiving server offers it",
           main_fix("smtp_tls_security_level", "may")});
  } else if ((out == "dane" || out == "dane-only") && c.get("smtp_dns_support_level") != "dnssec") {
    r.add({"postfix.smtp.dane-without-dnssec", Severity::warning, "main.cf", "smtp_dns_support_level",
           c.get("smtp_dns_support_level"),
           "smtp_tls_security_level = " + out +
               " does nothing without DNSSEC lookups; outgoing TLS falls back to opportunistic",
           main_fix("smtp_dns_support_level", "dnssec")});
  }
}

}  // namespace postern::audit
