// The static checks of Dovecot's configuration (ids dovecot.*). Contract in checks.h; every id
// is documented in docs/audit.md.
#include <sys/stat.h>

#include "common/net/ip.h"
#include "tools/posternctl/audit/checks.h"
#include "tools/posternctl/audit/restrictions.h"
#include "tools/posternctl/audit/tls_policy.h"

namespace postern::audit {
namespace {

std::string conf_fix(const std::string& key, const std::string& value) {
  return key + " = " + value + " (in dovecot.conf)";
}

std::string strip_seclevel(std::string v) {
  size_t at;
  while ((at = v.find("@SECLEVEL=")) != std::string::npos) {
    size_t from = at > 0 && v[at - 1] == ':' ? at - 1 : at;
    size_t end = at + 10;
    while (end < v.size() && v[end] >= '0' && v[end] <= '9') ++end;
    v.erase(from, end - from);
  }
  return v.empty() ? "HIGH" : v;
}

bool has_protocol(const DovecotConfig& d, const std::string& p) {
  for (const auto& w : restriction_words(d.get("protocols")))
    if (w == p) return true;
  return false;
}

// Whether a listener's service runs: "imap-login" needs "imap" in protocols, and so on.
bool listener_active(const DovecotConfig& d, const DovecotListener& l) {
  auto dash = l.service.find("-login");
  if (dash != std::string::npos) return has_protocol(d, l.service.substr(0, dash));
  return true;
}

unsigned parse_mode(const std::string& m) {
  unsigned v = 0;
  for (char c : m) {
    if (c < '0' || c > '7') return 0600;
    v = v * 8 + static_cast<unsigned>(c - '0');
    if (v > 07777) return 0600;
  }
  return v;
}

std::string octal(unsigned m) {
  char b[8];
  snprintf(b, sizeof b, "%04o", m & 07777);
  return b;
}

// The Postfix SASL socket's path as Dovecot names it, or "" (inet, not Dovecot, no SASL).
std::string postfix_sasl_socket(const PostfixConfig& pf) {
  for (const auto& s : pf.services) {
    if (!s.smtpd() || !s.inet()) continue;
    if (pf.get(s, "smtpd_sasl_auth_enable") != "yes" || pf.get(s, "smtpd_sasl_type") != "dovecot") continue;
    std::string path = pf.get(s, "smtpd_sasl_path");
    if (path.rfind("inet:", 0) == 0) return "";
    if (path.rfind("unix:", 0) == 0) path = path.substr(5);
    if (!path.empty() && path[0] != '/') path = pf.get("queue_directory") + "/" + path;
    return path;
  }
  return "";
}

}  // namespace

void check_dovecot(const DovecotConfig& d, const PostfixConfig* pf, Report& r) {
  std::string ssl = d.get("ssl");
  std::string cleartext = d.get("disable_plaintext_auth");
  std::string where = "dovecot: " + d.file;
  if (ssl == "no") {
    r.add({"dovecot.ssl-off", Severity::error, where, "ssl", ssl, "IMAP and POP3 offer no TLS at all",
           conf_fix("ssl", "required")});
  }
  if (cleartext == "no") {
    r.add({"dovecot.cleartext-auth", Severity::error, where, "disable_plaintext_auth", cleartext,
           "passwords are accepted over unencrypted connections", conf_fix("disable_plaintext_auth", "yes")});
  } else if (ssl == "yes") {
    // ssl = yes with cleartext authentication off is the accepted alternative to "required".
  }
  if (ssl != "no") {
    std::string minp = d.get("ssl_min_protocol");
    Proto p = dovecot_min_protocol(minp);
    if (p < Proto::tls1_2)
      r.add(
          {"dovecot.ssl-min-protocol", Severity::error, where, "ssl_min_protocol", minp,
           std::string("TLS versions older than 1.2 are accepted (down to ") + proto_name(p) + ", RFC 8996)",
           conf_fix("ssl_min_protocol", "TLSv1.2")});
    std::string ciphers = d.get("ssl_cipher_list");
    auto weak = weak_suite_classes(ciphers);
    if (!weak.valid)
      r.add({"dovecot.ssl-ciphers", Severity::error, where, "ssl_cipher_list", ciphers,
             "the local OpenSSL rejects this cipher list; Dovecot will fail TLS handshakes",
             conf_fix("ssl_cipher_list", "HIGH:!aNULL:!eNULL:!MD5:!3DES:!RC4")});
    else if (!weak.present.empty())
      r.add(
          {"dovecot.ssl-ciphers", Severity::error, where, "ssl_cipher_list", ciphers,
           "weak suites are enabled: " + weak.names(),
           conf_fix("ssl_cipher_list", strip_seclevel(ciphers) + ":!aNULL:!eNULL:!EXPORT:!RC4:!3DES:!MD5")});
  }
  for (const auto& o : d.obsolete) {
    r.add({"dovecot.obsolete", Severity::warning, "dovecot: " + o.file + ":" + std::to_string(o.line),
           o.setting, "",
           o.replacement.empty() ? o.setting + " is obsolete and no longer used"
                                 : o.setting + " is obsolete; it has been replaced by " + o.replacement,
           o.replacement.empty() ? "remove " + o.setting
                                 : "use " + o.replacement + " instead of " + o.setting});
  }
  std::string trusted = d.get("login_trusted_networks");
  for (const auto& w : restriction_words(trusted)) {
    auto n = IpNetwork::parse(w);
    if (!n) continue;
    int wide = n->base.v6 ? 32 : 16;
    if (n->prefix_len < wide)
      r.add({"dovecot.trusted-networks",
             n->prefix_len < (n->base.v6 ? 16 : 8) ? Severity::error : Severity::warning, where,
             "login_trusted_networks", trusted,
             n->str() +
                 " is trusted to report client addresses and skip the cleartext-login ban: only proxies "
                 "and webmail hosts belong there",
             conf_fix("login_trusted_networks", "127.0.0.1/32 ::1/128")});
  }
  std::string sasl_path = pf ? postfix_sasl_socket(*pf) : "";
  for (const auto& l : d.listeners()) {
    if (!l.unix_socket && l.port > 0 && !l.ssl && listener_active(d, l) &&
        (l.service == "imap-login" || l.service == "pop3-login")) {
      r.add({"dovecot.plaintext-listener", Severity::info,
             "dovecot: service " + l.service + " inet_listener " + l.name, "port", std::to_string(l.port),
             "a listener without implicit TLS: clients must use STARTTLS" +
                 std::string(cleartext == "no" ? " (and may log in without it)" : ""),
             ""});
    }
    if (l.unix_socket && l.service == "auth" && !sasl_path.empty() && l.path == sasl_path) {
      std::string lw = "dovecot: service auth unix_listener " + l.path;
      unsigned mode = parse_mode(l.mode);
      if (mode & 07)
        r.add({"dovecot.auth-socket-mode", Severity::error, lw, "mode", l.mode,
               "the auth socket Postfix uses is open to every local user (any of them can test passwords)",
               "mode = 0660, user = postfix, group = postfix (in that unix_listener block)"});
      if (l.user != "postfix" && l.group != "postfix")
        r.add({"dovecot.auth-socket-owner", Severity::warning, lw, "user", l.user,
               "the auth socket is not owned by postfix (user or group): Postfix reaches it only through "
               "permissions it should not need",
               "user = postfix, group = postfix (in that unix_listener block)"});
      struct stat st {};
      if (stat(l.path.c_str(), &st) == 0 && (st.st_mode & 07))
        r.add({"dovecot.auth-socket-mode", Severity::error, lw, "mode", octal(st.st_mode),
               "the auth socket on disk is open to every local user",
               "reload Dovecot after fixing the mode"});
    }
  }
}

}  // namespace postern::audit
