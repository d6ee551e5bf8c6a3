// The static checks of posternctl audit: what the Postfix and Dovecot configurations say, service
// by service (master.cf -o overrides over main.cf), and how Postern is wired into them. Each
// finding has a stable id listed in docs/audit.md with why it matters, the fix and the source.
// The checks read files the configurations name (certificates, keys, DH parameters, the Dovecot
// auth socket) but open no connection; the live probes are in probes.h. `now` (unix seconds)
// comes from the caller's clock, for certificate expiry.
#pragma once

#include <cstdint>
#include <string>

#include "common/config/config.h"
#include "tools/posternctl/audit/dovecot_config.h"
#include "tools/posternctl/audit/finding.h"
#include "tools/posternctl/audit/postfix_config.h"

namespace postern::audit {

inline constexpr int64_t kCertWarnSeconds = 14 * 86400;  // a certificate expiring sooner: warning

enum class SmtpRole { mx, submission, smtps, other };
// The role of an smtpd service: smtps when in wrapper mode or on 465; submission on 587 or when
// its syslog_name says so; mx on 25 or when nothing else fits; other for non-smtpd services.
SmtpRole smtp_role(const PostfixConfig& c, const PostfixService& s);
const char* smtp_role_name(SmtpRole r);
// The service's effective TLS level ("none", "may", "encrypt", "dane", ...), from
// smtpd_tls_security_level or the obsolete smtpd_use_tls / smtpd_enforce_tls.
std::string smtpd_tls_level(const PostfixConfig& c, const PostfixService& s);

// The certificate and key files a service uses: smtpd_tls_chain_files (the key first, then the
// certificates, in one file or several: the certificate is the first file that holds one), else
// smtpd_tls_cert_file and smtpd_tls_key_file (the key defaults to the certificate's file).
struct CertFiles {
  std::string cert, key;
};
CertFiles postfix_cert_files(const PostfixConfig& c, const PostfixService& s);

// Certificate facts shared by the static checks and the probes.
void check_certificate_file(const std::string& id_prefix, const std::string& where,
                            const std::string& setting, const std::string& cert_file,
                            const std::string& key_file, const std::string& hostname, int64_t now,
                            Report& report);

void check_postfix(const PostfixConfig& c, int64_t now, Report& report);
void check_dovecot(const DovecotConfig& d, const PostfixConfig* postfix, Report& report);
// Postern's own wiring: the milter and policy service in Postfix, the passdb in Dovecot, the
// sender mode. postern is nullptr when postern.conf could not be read (why says why).
void check_postern(const PostfixConfig* postfix, const DovecotConfig* dovecot, const Config* postern,
                   const std::string& why, Report& report);

}  // namespace postern::audit
