// posternctl audit run as an admin would, against real private Postfix and Dovecot instances from
// the harness: one configured with every anti-pattern of issue 16 (TLSv1 still listed, SSLv3
// "disabled" only in the mandatory list, aNULL through @SECLEVEL=0, SASL on port 25 with
// broken_sasl_auth_clients = yes, a 0666 Dovecot auth socket, AUTH before STARTTLS, encrypt on a
// public MX, an open relay, cleartext IMAP logins, ...), where each planted fault must be found
// with its id, severity, place and exact fix; one configured well, which must have no error and
// finish under 5 s; a chain file with an RSA and an ECDSA chain; live probes of a Postfix made to offer
// TLS 1.0 and anonymous suites with an expired and a wrong-name certificate, and of a certificate replaced on
// disk without a reload; listeners that stay silent, answer garbage or close mid-handshake, which must end
// within the probe deadline; exit codes and the JSON form.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/harness/dovecot_instance.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"
#include "tests/harness/test_cert.h"
#include "tests/posternctl/ctl_run.h"

namespace postern {
namespace {

using test::TempDir;

using test::ctl;
using test::has;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The line of out that starts with "SEVERITY ID WHERE:" (where may be a prefix), or "".
std::string finding(const std::string& out, const std::string& severity, const std::string& id,
                    const std::string& where = "") {
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(severity + " " + id + " " + where, 0) == 0) return line;
  return "";
}

// The line number of the master.cf entry for service name (the test's own scan, to check the
// audit's "where").
std::string where_of(const std::string& config_dir, const std::string& name) {
  std::istringstream in(slurp(config_dir + "/master.cf"));
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (line.rfind(name + " ", 0) == 0) return "master.cf:" + std::to_string(no) + " " + name;
  }
  return "<no entry " + name + ">";
}

int count_lines(const std::string& out, const std::string& prefix) {
  std::istringstream in(out);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) n += line.rfind(prefix, 0) == 0;
  return n;
}

class Audit : public ::testing::Test {
 protected:
  // Writes a certificate and key issued by the test CA; returns the certificate's path (the key is
  // beside it, NAME.key, with key_mode).
  std::string pair(const std::string& name, test::TestCertSpec spec = {}, mode_t key_mode = 0600) {
    auto kp = ca_.issue(spec);
    auto cert = certs_.write(name + ".pem", kp.cert_pem);
    auto key = certs_.write(name + ".key", kp.key_pem);
    chmod(cert.c_str(), 0644);
    chmod(key.c_str(), key_mode);
    return cert.string();
  }
  std::string key_of(const std::string& cert) { return cert.substr(0, cert.size() - 4) + ".key"; }
  std::string ca_file() {
    auto p = certs_.write("ca.pem", ca_.cert_pem());
    chmod(p.c_str(), 0644);
    return p.string();
  }
  void SetUp() override { chmod(certs_.path().c_str(), 0755); }
  // The audit of one instance alone, trusting the test CA.
  test::CommandResult audit_postfix(const test::PostfixInstance& pf) {
    return ctl({"audit", "--only", "postfix", "--postfix-config", pf.config_dir(), "--ca-file", ca_file()});
  }
  test::CommandResult audit_dovecot(const test::DovecotInstance& dv) {
    return ctl({"audit", "--only", "dovecot", "--dovecot-config", dv.config_path(), "--ca-file", ca_file()});
  }

  TempDir certs_{"audit-certs"};
  test::TestCa ca_;
};

TEST_F(Audit, BadConfigurationEveryPlantedFaultFound) {
  std::string cert = pair("mx", {}, 0644);  // key readable by everyone
  TempDir sock{"audit-sock"};
  chmod(sock.path().c_str(), 0755);
  std::string auth_socket = (sock / "auth-postfix").string();
  test::DovecotOptions dopt;
  dopt.extra_conf = "ssl = yes\nssl_cert = <" + cert + "\nssl_key = <" + key_of(cert) +
                    "\nssl_protocols = !SSLv3\nssl_cipher_list = ALL:@SECLEVEL=0\n"
                    "login_trusted_networks = 0.0.0.0/0\n"
                    "service auth {\n  unix_listener " +
                    auth_socket + " {\n    mode = 0666\n  }\n}\n";
  test::DovecotInstance dv(dopt);
  int encrypt_port = test::free_tcp_port(), smtps_port = test::free_tcp_port();
  test::PostfixOptions o;
  o.submission = true;
  o.dovecot_auth_port = dv.auth_port();
  o.main_cf = {{"smtpd_tls_security_level", "may"},
               {"smtpd_tls_cert_file", cert},
               {"smtpd_tls_key_file", key_of(cert)},
               {"smtpd_tls_protocols", "!SSLv2"},
               {"smtpd_tls_mandatory_protocols", "!SSLv2, !SSLv3"},
               {"tls_high_cipherlist", "aNULL:HIGH:@SECLEVEL=0"},
               {"smtpd_sasl_path", auth_socket},
               {"broken_sasl_auth_clients", "yes"},
               {"smtpd_sasl_security_options", ""},
               {"mynetworks", "0.0.0.0/0"},
               {"smtp_tls_security_level", "none"}};
  o.mx_options = {{"smtpd_sasl_auth_enable", "yes"}};
  o.submission_options = {{"smtpd_tls_mandatory_protocols", "TLSv1,TLSv1.1,TLSv1.2"},
                          {"smtpd_tls_mandatory_ciphers", "high"}};
  o.master_cf = {
      "127.0.0.1:" + std::to_string(encrypt_port) + " inet n - n - - smtpd",
      "  -o smtpd_tls_security_level=encrypt", "  -o smtpd_relay_restrictions=permit_mynetworks,permit",
      "  -o smtpd_recipient_restrictions=permit",
      // smtps with TLSv1 and TLSv1.1 still listed among the mandatory protocols.
      "127.0.0.1:" + std::to_string(smtps_port) + " inet n - n - - smtpd", "  -o syslog_name=postfix/smtps",
      "  -o smtpd_tls_wrappermode=yes", "  -o smtpd_tls_security_level=encrypt",
      "  -o smtpd_sasl_auth_enable=yes", "  -o smtpd_tls_mandatory_protocols=TLSv1,TLSv1.1,TLSv1.2",
      "  -o smtpd_tls_mandatory_ciphers=high",
      "  -o smtpd_client_restrictions=permit_sasl_authenticated,reject"};
  test::PostfixInstance pf(o);
  std::string mx = "127.0.0.1:" + std::to_string(pf.smtp_port());
  std::string sub = "127.0.0.1:" + std::to_string(pf.submission_port());
  std::string enc = "127.0.0.1:" + std::to_string(encrypt_port);
  std::string mx_where = where_of(pf.config_dir(), mx), sub_where = where_of(pf.config_dir(), sub),
              enc_where = where_of(pf.config_dir(), enc),
              smtps_where = where_of(pf.config_dir(), "127.0.0.1:" + std::to_string(smtps_port));

  std::string map = certs_.write("sender-map", "alice@example.org alice@example.org\n").string();
  std::string conf =
      certs_.write("postern.conf", "[sender]\nmode = \"soft\"\nlogin_maps = [\"" + map + "\"]\n").string();
  auto r = ctl({"-c", conf, "audit", "--postfix-config", pf.config_dir(), "--dovecot-config",
                dv.config_path(), "--ca-file", ca_file()});
  const std::string& out = r.output;
  EXPECT_EQ(r.exit_code, 1) << out;
  // Postfix, per service.
  std::string f = finding(out, "error", "postfix.mx.auth-before-tls", "main.cf (" + mx_where + ")");
  EXPECT_TRUE(has(f, "; fix: postconf -e 'smtpd_tls_auth_only = yes'")) << out;
  f = finding(out, "warning", "postfix.mx.sasl", mx_where + ":");
  EXPECT_TRUE(has(f, "; fix: -o smtpd_sasl_auth_enable=no under " + mx_where)) << out;
  f = finding(out, "error", "postfix.mx.encrypt", enc_where + ":");
  EXPECT_TRUE(
      has(f, "(smtpd_tls_security_level = encrypt); fix: -o smtpd_tls_security_level=may under " + enc_where))
      << out;
  f = finding(out, "error", "postfix.relay.open", enc_where + ":");
  EXPECT_TRUE(has(f, "\"permit\" permits before reject_unauth_destination")) << out;
  EXPECT_TRUE(has(f,
                  "; fix: -o smtpd_relay_restrictions=permit_mynetworks,permit_sasl_authenticated,"
                  "reject_unauth_destination under " +
                      enc_where))
      << out;
  f = finding(out, "error", "postfix.submission.tls-required", sub_where + ":");
  EXPECT_TRUE(has(
      f, "(smtpd_tls_security_level = none); fix: -o smtpd_tls_security_level=encrypt under " + sub_where))
      << out;
  f = finding(out, "error", "postfix.submission.auth-only", sub_where + ":");
  EXPECT_TRUE(has(f, "fix: -o smtpd_tls_auth_only=yes under " + sub_where)) << out;
  // Without TLS on submission its protocol list is moot; on smtps TLSv1 is still listed.
  EXPECT_EQ(finding(out, "error", "postfix.submission.protocols", "main.cf (" + sub_where + ")"), "") << out;
  f = finding(out, "error", "postfix.submission.protocols", smtps_where + ":");
  EXPECT_TRUE(has(f,
                  "smtps accepts TLSv1, TLSv1.1 (TLS 1.2 or newer only, RFC 8996) "
                  "(smtpd_tls_mandatory_protocols = TLSv1,TLSv1.1,TLSv1.2); "
                  "fix: -o smtpd_tls_mandatory_protocols=>=TLSv1.2 under " +
                      smtps_where))
      << out;
  // aNULL through @SECLEVEL=0 in the high grade that smtps uses.
  EXPECT_TRUE(has(finding(out, "error", "postfix.submission.weak-ciphers", "main.cf (" + smtps_where + ")"),
                  "smtps enables eNULL, aNULL suites"))
      << out;
  // Main.cf.
  f = finding(out, "error", "postfix.tls.sslv3", "main.cf:");
  EXPECT_TRUE(has(f, "(smtpd_tls_protocols = !SSLv2); fix: postconf -e 'smtpd_tls_protocols = >=TLSv1.2'"))
      << out;
  f = finding(out, "error", "postfix.tls.seclevel0", "main.cf:");
  EXPECT_TRUE(has(
      f,
      "(tls_high_cipherlist = aNULL:HIGH:@SECLEVEL=0); fix: postconf -e 'tls_high_cipherlist = aNULL:HIGH'"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "postfix.sasl.anonymous", "main.cf:"),
                  "fix: postconf -e 'smtpd_sasl_security_options = noanonymous'"))
      << out;
  EXPECT_TRUE(has(finding(out, "warning", "postfix.sasl.broken-clients", "main.cf:"),
                  "fix: postconf -e 'broken_sasl_auth_clients = no'"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "postfix.relay.mynetworks", "main.cf:"), "trusts 0.0.0.0/0")) << out;
  f = finding(out, "error", "postfix.cert.key-mode", "main.cf:");
  EXPECT_TRUE(has(f, "readable by group or others (mode 0644)")) << out;
  EXPECT_TRUE(has(f, "; fix: chmod 600 " + key_of(cert))) << out;
  EXPECT_TRUE(has(finding(out, "warning", "postfix.smtp.tls-level", "main.cf:"),
                  "fix: postconf -e 'smtp_tls_security_level = may'"))
      << out;
  EXPECT_TRUE(has(finding(out, "warning", "postfix.smtpd.bare-newline", "main.cf:"),
                  "fix: postconf -e 'smtpd_forbid_bare_newline = yes'"))
      << out;
  EXPECT_TRUE(has(finding(out, "info", "postfix.smtpd.vrfy", "main.cf:"),
                  "fix: postconf -e 'disable_vrfy_command = yes'"))
      << out;
  // Dovecot.
  EXPECT_TRUE(has(finding(out, "error", "dovecot.cleartext-auth", "dovecot: " + dv.config_path()),
                  "fix: disable_plaintext_auth = yes (in dovecot.conf)"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "dovecot.ssl-min-protocol"),
                  "(ssl_min_protocol = TLSv1); fix: ssl_min_protocol = TLSv1.2"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "dovecot.ssl-ciphers"), "weak suites are enabled: aNULL")) << out;
  EXPECT_TRUE(has(finding(out, "warning", "dovecot.obsolete", "dovecot: " + dv.config_path() + ":"),
                  "ssl_protocols is obsolete; it has been replaced by ssl_min_protocol"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "dovecot.trusted-networks"), "0.0.0.0/0 is trusted")) << out;
  EXPECT_TRUE(has(finding(out, "error", "dovecot.auth-socket-mode",
                          "dovecot: service auth unix_listener " + auth_socket + ":"),
                  "(mode = 0666); fix: mode = 0660, user = postfix, group = postfix"))
      << out;
  EXPECT_TRUE(has(
      finding(out, "info", "dovecot.plaintext-listener", "dovecot: service imap-login inet_listener imap:"),
      "(port = " + std::to_string(dv.imap_port()) + ")"))
      << out;
  // Postern's wiring.
  EXPECT_TRUE(has(finding(out, "warning", "postern.milter", "main.cf:"),
                  "fix: postconf -e 'smtpd_milters = unix:/var/spool/postfix/postern/milter.sock'"))
      << out;
  EXPECT_TRUE(has(finding(out, "warning", "postern.non-smtpd-milter", "main.cf:"), "not DKIM-signed")) << out;
  EXPECT_EQ(finding(out, "warning", "postern.milter-default-action"), "") << "the harness sets it: " << out;
  EXPECT_TRUE(has(finding(out, "warning", "postern.policy", mx_where + ":"),
                  "check_policy_service unix:/var/spool/postfix/postern/policy.sock'"))
      << out;
  EXPECT_TRUE(
      has(finding(out, "warning", "postern.passdb", "dovecot: passdb:"), "fix: passdb { driver = postern }"))
      << out;
  EXPECT_TRUE(has(finding(out, "warning", "postern.sender-mode", "postern.conf [sender]:"),
                  "fix: mode = \"enforce\" (in [sender])"))
      << out;
  // Live.
  EXPECT_TRUE(has(finding(out, "error", "probe.smtp.auth-before-tls", mx_where + ":"),
                  "EHLO offers AUTH before STARTTLS"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "probe.smtp.auth-before-tls", sub_where + ":"),
                  "fix: -o smtpd_tls_auth_only=yes"))
      << out;
  EXPECT_TRUE(
      has(finding(out, "error", "probe.smtp.no-starttls", sub_where + ":"), "EHLO does not offer STARTTLS"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "probe.submission.mail-before-tls", sub_where + ":"),
                  "fix: -o smtpd_tls_security_level=encrypt under " + sub_where))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "probe.relay.open", mx_where + ":"), "open relay")) << out;
  EXPECT_TRUE(has(
      finding(out, "error", "probe.imap.login-before-tls", "dovecot: service imap-login inet_listener imap:"),
      "LOGINDISABLED"))
      << out;
  EXPECT_TRUE(has(
      finding(out, "error", "probe.pop3.login-before-tls", "dovecot: service pop3-login inet_listener pop3:"),
      "USER before STLS"))
      << out;
  EXPECT_TRUE(has(out, "\nsummary: ")) << out;
}

// A configuration done right: TLS required where users log in, opportunistic on the MX, SASL
// only behind TLS, no relay, a certificate from the (test) CA for myhostname.
TEST_F(Audit, GoodConfigurationHasNoErrorAndTakesUnderFiveSeconds) {
  std::string cert = pair("good");
  test::DovecotOptions dopt;
  dopt.extra_conf = "ssl = required\nssl_cert = <" + cert + "\nssl_key = <" + key_of(cert) +
                    "\ndisable_plaintext_auth = yes\nssl_min_protocol = TLSv1.2\n"
                    "ssl_cipher_list = HIGH:!aNULL:!eNULL:!3DES:!RC4:!MD5\n";
  test::DovecotInstance dv(dopt);
  test::PostfixOptions o;
  o.submission = true;
  o.dovecot_auth_port = dv.auth_port();
  o.main_cf = {{"smtpd_tls_security_level", "may"},
               {"smtpd_tls_chain_files", key_of(cert) + ", " + cert},
               {"smtpd_tls_protocols", ">=TLSv1.2"},
               {"smtpd_tls_mandatory_protocols", ">=TLSv1.2"},
               {"smtpd_tls_mandatory_ciphers", "high"},
               {"smtpd_tls_mandatory_exclude_ciphers", "aNULL, eNULL, EXPORT, RC4, 3DES, MD5"},
               {"smtpd_tls_exclude_ciphers", "aNULL, eNULL, EXPORT, RC4, 3DES, MD5"},
               {"smtpd_sasl_security_options", "noanonymous"},
               {"smtpd_tls_auth_only", "yes"},
               {"smtp_tls_security_level", "may"},
               {"smtpd_forbid_bare_newline", "yes"},
               {"disable_vrfy_command", "yes"}};
  o.submission_options = {{"smtpd_tls_security_level", "encrypt"}, {"smtpd_tls_auth_only", "yes"}};
  test::PostfixInstance pf(o);
  std::string conf = certs_.write("postern.conf", "").string();
  auto start = std::chrono::steady_clock::now();
  auto r = ctl({"-c", conf, "audit", "--postfix-config", pf.config_dir(), "--dovecot-config",
                dv.config_path(), "--ca-file", ca_file()});
  auto took = std::chrono::steady_clock::now() - start;
  auto static_start = std::chrono::steady_clock::now();
  auto static_only = ctl({"-c", conf, "audit", "--postfix-config", pf.config_dir(), "--dovecot-config",
                          dv.config_path(), "--no-probe"});
  auto static_took = std::chrono::steady_clock::now() - static_start;
  EXPECT_EQ(static_only.exit_code, 0) << static_only.output;
  std::cout << "the same with --no-probe (postconf and doveconf only): "
            << std::chrono::duration_cast<std::chrono::milliseconds>(static_took).count() << " ms\n";
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_lines(r.output, "error "), 0) << r.output;
  // Issue 16: a whole audit of one host under 5 s. Sanitizer builds run several times slower.
#if defined(__SANITIZE_ADDRESS__) || defined(__has_feature)
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
  const auto limit = std::chrono::seconds(10);
#else
  const auto limit = std::chrono::seconds(5);
#endif
#else
  const auto limit = std::chrono::seconds(5);
#endif
  EXPECT_LT(took, limit) << r.output;
  std::cout << "audit of a good configuration (postconf, doveconf, "
            << "all probes): " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms\n";
  std::string mx_where = where_of(pf.config_dir(), "127.0.0.1:" + std::to_string(pf.smtp_port()));
  EXPECT_TRUE(has(r.output, "probe.relay.skipped") == false)
      << "XCLIENT is allowed from loopback: " << r.output;
  EXPECT_EQ(finding(r.output, "error", "probe.relay.open"), "") << r.output;
  EXPECT_TRUE(has(r.output, "\nsummary: 0 errors, ")) << r.output;
}

// Postfix made weak on purpose: TLS 1.0 and anonymous suites offered through @SECLEVEL=0, an
// expired certificate on the MX and one for another name on submission.
TEST_F(Audit, LiveProbesSeeLegacyTlsAnonymousSuitesExpiredAndWrongNameCertificates) {
  test::TestCertSpec expired;
  expired.not_before = -90 * 86400;
  expired.not_after = -86400;
  std::string old = pair("expired", expired);
  test::TestCertSpec other;
  other.common_name = "www.elsewhere.test";
  other.dns_names = {"www.elsewhere.test"};
  std::string wrong = pair("wrong", other);
  test::PostfixOptions o;
  o.submission = true;
  o.main_cf = {{"smtpd_tls_security_level", "may"},
               {"smtpd_tls_cert_file", old},
               {"smtpd_tls_key_file", key_of(old)},
               {"smtpd_tls_protocols", ">=TLSv1"},
               {"smtpd_tls_mandatory_protocols", ">=TLSv1"},
               {"tls_medium_cipherlist", "aNULL:ALL:@SECLEVEL=0"},
               {"tls_high_cipherlist", "aNULL:ALL:@SECLEVEL=0"}};
  o.submission_options = {{"smtpd_tls_security_level", "encrypt"},
                          {"smtpd_tls_cert_file", wrong},
                          {"smtpd_tls_key_file", key_of(wrong)}};
  test::PostfixInstance pf(o);
  std::string mx_where = where_of(pf.config_dir(), "127.0.0.1:" + std::to_string(pf.smtp_port()));
  std::string sub_where = where_of(pf.config_dir(), "127.0.0.1:" + std::to_string(pf.submission_port()));
  auto r = audit_postfix(pf);
  const std::string& out = r.output;
  EXPECT_EQ(r.exit_code, 1) << out;
  EXPECT_TRUE(has(finding(out, "warning", "probe.tls.legacy-version", mx_where + ":"), "TLSv1 is accepted"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "probe.tls.legacy-version", sub_where + ":"), "TLSv1 is accepted"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "probe.tls.weak-suites", sub_where + ":"),
                  "weak suites are accepted: eNULL, aNULL (cipher"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "probe.cert.expired", mx_where + ":"),
                  "fix: renew the certificate and postfix reload"))
      << out;
  EXPECT_TRUE(has(finding(out, "error", "postfix.cert.expired", "main.cf:"), old)) << out;
  EXPECT_TRUE(has(finding(out, "error", "probe.cert.name", sub_where + ":"),
                  "the certificate served is not valid for mx.postern.test"))
      << out;
  EXPECT_TRUE(has(finding(out, "warning", "postfix.cert.name", "main.cf:"), "does not cover mx.postern.test"))
      << out;
  EXPECT_EQ(finding(out, "error", "probe.cert.chain"), "") << "the test CA was given: " << out;
  EXPECT_TRUE(has(finding(out, "error", "postfix.tls.seclevel0"), "tls_high_cipherlist")) << out;
}

// Dovecot keeps the certificate it loaded at start: one replaced on disk without a reload is
// not what is served.
TEST_F(Audit, CertificateReplacedOnDiskWithoutReload) {
  std::string cert = pair("dc");
  test::DovecotOptions dopt;
  dopt.extra_conf =
      "ssl = required\nssl_cert = <" + cert + "\nssl_key = <" + key_of(cert) +
      "\nservice imap-login {\n  inet_listener imaps {\n    port = " + std::to_string(test::free_tcp_port()) +
      "\n    ssl = yes\n  }\n}\n";
  test::DovecotInstance dv(dopt);
  auto before = audit_dovecot(dv);
  EXPECT_EQ(finding(before.output, "error", "probe.cert.not-reloaded"), "") << before.output;
  pair("dc");  // a new certificate and key at the same paths
  auto after = audit_dovecot(dv);
  for (const char* where : {"dovecot: service imap-login inet_listener imap:",
                            "dovecot: service imap-login inet_listener imaps:"}) {
    std::string f = finding(after.output, "error", "probe.cert.not-reloaded", where);
    EXPECT_TRUE(has(f, "is not the one in " + cert)) << after.output;
    EXPECT_TRUE(has(f, "; fix: doveadm reload")) << after.output;
  }
  EXPECT_EQ(after.exit_code, 1);
}

// Postfix's smtpd loads its certificate when the process starts and serves many sessions: with
// one process (maxproc 1) that is already running, a certificate renewed on disk is not served.
TEST_F(Audit, PostfixCertificateReplacedOnDiskWithoutReload) {
  std::string cert = pair("pf");
  int port = test::free_tcp_port();
  test::PostfixOptions o;
  o.main_cf = {{"smtpd_tls_security_level", "may"},
               {"smtpd_tls_cert_file", cert},
               {"smtpd_tls_key_file", key_of(cert)}};
  o.master_cf = {"127.0.0.1:" + std::to_string(port) + " inet n - n - 1 smtpd"};
  test::PostfixInstance pf(o);
  ASSERT_TRUE(test::wait_for_tcp(port));
  std::string where = where_of(pf.config_dir(), "127.0.0.1:" + std::to_string(port));
  auto before = audit_postfix(pf);
  EXPECT_EQ(finding(before.output, "error", "probe.cert.not-reloaded"), "") << before.output;
  pair("pf");  // renewed on disk; the running smtpd keeps the old one
  auto after = audit_postfix(pf);
  std::string f = finding(after.output, "error", "probe.cert.not-reloaded", where + ":");
  EXPECT_TRUE(has(f, "is not the one in " + cert + " (file ")) << after.output;
  EXPECT_TRUE(has(f, "; fix: postfix reload")) << after.output;
  pf.reload();
  ASSERT_TRUE(test::wait_until(
      [&] {
        auto r = audit_postfix(pf);
        return finding(r.output, "error", "probe.cert.not-reloaded", where + ":").empty();
      },
      std::chrono::seconds(30)))
      << "after postfix reload the new certificate is served";
}

// smtpd_tls_chain_files' documented form: an RSA key and its chain, then an ECDSA key and its chain,
// in one file. Each chain is checked with the key before it; whichever leaf Postfix serves is the
// configured one; dns-records reads the same file into a TLSA record for each key.
TEST_F(Audit, OneChainFileWithRsaAndEcdsaChains) {
  test::TestCertSpec rsa_spec;
  rsa_spec.rsa_bits = 2048;
  auto rsa = ca_.issue(rsa_spec);
  auto ec = ca_.issue({});
  auto other = ca_.issue({});
  auto both = certs_.write(
      "both.pem", rsa.key_pem + rsa.cert_pem + ca_.cert_pem() + ec.key_pem + ec.cert_pem + ca_.cert_pem());
  chmod(both.c_str(), 0600);
  test::PostfixOptions o;
  o.main_cf = {{"smtpd_tls_security_level", "may"}, {"smtpd_tls_chain_files", both.string()}};
  test::PostfixInstance pf(o);
  auto r = audit_postfix(pf);
  for (const char* id : {"postfix.cert.key-mismatch", "postfix.cert.key-unreadable",
                         "postfix.cert.unreadable", "probe.cert.not-reloaded", "probe.tls.handshake"})
    EXPECT_EQ(finding(r.output, "error", id), "") << r.output;
  auto records = ctl(
      {"-c", certs_.write("empty.conf", "").string(), "dns-records", "--postfix-config", pf.config_dir()});
  for (const auto& kp : {rsa, ec}) {
    auto pem = certs_.write("leaf.pem", kp.cert_pem);
    auto digest = test::run_command({"/bin/sh", "-c",
                                     "openssl x509 -in " + pem.string() +
                                         " -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum"});
    EXPECT_TRUE(has(records.output,
                    "\n_25._tcp.mx.postern.test. IN TLSA 3 1 1 " + digest.output.substr(0, 64) + "\n"))
        << records.output;
  }
  // The ECDSA key followed by a certificate for another key: that chain's key does not match (a
  // configuration postconf reads but no Postfix runs: Postfix would refuse it).
  auto bad = certs_.write(
      "bad.pem", rsa.key_pem + rsa.cert_pem + ca_.cert_pem() + ec.key_pem + other.cert_pem + ca_.cert_pem());
  chmod(bad.c_str(), 0600);
  TempDir pfdir{"audit-chain-files"};
  pfdir.write("main.cf",
              "compatibility_level = 3.6\nmyhostname = mx.postern.test\nsmtpd_tls_security_level = may\n"
              "smtpd_tls_chain_files = " +
                  bad.string() + "\n");
  pfdir.write("master.cf", "smtp inet n - n - - smtpd\n");
  auto m = ctl({"audit", "--only", "postfix", "--no-probe", "--postfix-config", pfdir.str()});
  EXPECT_EQ(finding(m.output, "error", "postfix.cert.key-mismatch", "main.cf:"),
            "error postfix.cert.key-mismatch main.cf: the private key does not belong to the certificate " +
                bad.string() + " (EC chain) (key = " + bad.string() +
                "); fix: install the key that was issued with " + bad.string() + " (EC chain)")
      << m.output;
  EXPECT_EQ(count_lines(m.output, "error postfix.cert.key-mismatch"), 1)
      << "the RSA chain matches: " << m.output;
}

// Listeners that misbehave, declared in a Postfix configuration that postconf reads but no
// Postfix runs: a silent one, one that answers garbage, one that closes in the TLS handshake.
class FakeListener {
 public:
  enum class Mode { silent, garbage, close_in_handshake };
  explicit FakeListener(Mode mode) : mode_(mode) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 64);
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeListener() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
    for (int c : conns_) close(c);
  }
  int port() const { return port_; }

 private:
  void loop() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      conns_.push_back(c);
      if (mode_ == Mode::garbage) {
        std::string g = "HTTP/1.1 400 Bad Request\r\n\r\n\x01\x02garbage\r\n";
        (void)!send(c, g.data(), g.size(), MSG_NOSIGNAL);
      } else if (mode_ == Mode::close_in_handshake) {
        // A TLS-looking start, then nothing more: the record header of a ServerHello, cut.
        const char hello[] = "\x16\x03\x03\x00\x31\x02\x00";
        char buf[512];
        (void)!recv(c, buf, sizeof buf, 0);
        (void)!send(c, hello, sizeof hello - 1, MSG_NOSIGNAL);
        close(c);
        conns_.pop_back();
      }
    }
  }
  Mode mode_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<int> conns_;
  std::thread thread_;
};

TEST_F(Audit, SilentGarbageAndClosingListenersEndWithinTheDeadline) {
  FakeListener silent(FakeListener::Mode::silent), garbage(FakeListener::Mode::garbage),
      closing(FakeListener::Mode::close_in_handshake);
  TempDir pfdir{"audit-fake-postfix"};
  pfdir.write("main.cf",
              "compatibility_level = 3.6\nsmtpd_tls_security_level = may\nmyhostname = mx.postern.test\n");
  std::string master = "127.0.0.1:" + std::to_string(silent.port()) + " inet n - n - - smtpd\n" +
                       "127.0.0.1:" + std::to_string(garbage.port()) + " inet n - n - - smtpd\n" +
                       "127.0.0.1:" + std::to_string(closing.port()) + " inet n - n - - smtpd\n" +
                       "  -o smtpd_tls_wrappermode=yes\n";
  pfdir.write("master.cf", master);
  auto start = std::chrono::steady_clock::now();
  auto r = ctl({"audit", "--only", "postfix", "--postfix-config", pfdir.str(), "--timeout-ms", "1000"});
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 1) << r.output;
  // A deadline of 1 s per probe; the rest is postconf and the probes that work (slack for a
  // loaded machine). Without the deadline the silent listener would hold the audit forever.
  EXPECT_LT(took, std::chrono::milliseconds(4000)) << r.output;
  EXPECT_TRUE(has(
      finding(r.output, "error", "probe.listener", "master.cf:1 127.0.0.1:" + std::to_string(silent.port())),
      "no answer before the deadline (banner = timeout)"))
      << r.output;
  EXPECT_TRUE(has(
      finding(r.output, "error", "probe.listener", "master.cf:2 127.0.0.1:" + std::to_string(garbage.port())),
      "not an SMTP reply line (banner = garbage)"))
      << r.output;
  EXPECT_TRUE(has(finding(r.output, "error", "probe.smtps.not-implicit",
                          "master.cf:3 127.0.0.1:" + std::to_string(closing.port())),
                  "does not start TLS at connect"))
      << r.output;
}

// Postern's wiring, from configurations postconf and doveconf read but no daemon runs: the milter
// named by a path relative to the queue directory is found, the policy service before
// reject_unauth_destination is not in order, a second passdb bypasses the lockout, which is off.
TEST_F(Audit, PosternWiring) {
  TempDir dir{"audit-wiring"};
  dir.write(
      "main.cf",
      "compatibility_level = 3.6\nqueue_directory = /var/spool/postfix\n"
      "smtpd_milters = unix:postern/milter.sock\nnon_smtpd_milters = "
      "unix:/var/spool/postfix/postern/milter.sock\n"
      "milter_default_action = accept\n"
      "smtpd_recipient_restrictions = check_policy_service unix:postern/policy.sock, permit_mynetworks, "
      "reject_unauth_destination\n");
  dir.write("master.cf", "smtp inet n - n - - smtpd\n");
  auto dc = dir.write("dovecot.conf",
                      "protocols = imap\npassdb {\n  driver = postern\n}\n"
                      "passdb {\n  driver = passwd-file\n  args = /etc/dovecot/users\n}\n");
  auto conf = dir.write("postern.conf", "[auth.lockout]\nenabled = false\n");
  auto r = ctl({"-c", conf.string(), "audit", "--only", "postern", "--postfix-config", dir.str(),
                "--dovecot-config", dc.string(), "--no-probe"});
  EXPECT_EQ(r.exit_code, 0) << "warnings only: " << r.output;
  EXPECT_FALSE(has(r.output, "postern.milter")) << r.output;
  EXPECT_FALSE(has(r.output, "postern.non-smtpd-milter")) << r.output;
  EXPECT_TRUE(has(finding(r.output, "warning", "postern.policy-order", "master.cf:1 smtp:"),
                  "comes before reject_unauth_destination"))
      << r.output;
  EXPECT_TRUE(has(finding(r.output, "warning", "postern.passdb-bypass", "dovecot: passdb passwd-file:"),
                  "fix: remove the passdb { driver = passwd-file } block"))
      << r.output;
  EXPECT_TRUE(
      has(finding(r.output, "warning", "postern.lockout-off"), "fix: enabled = true (in [auth.lockout])"))
      << r.output;
  EXPECT_EQ(count_lines(r.output, "postfix."), 0) << "--only postern: " << r.output;
  EXPECT_TRUE(has(r.output, "\nsummary: 0 errors, 3 warnings, 0 infos\n")) << r.output;
}

TEST_F(Audit, ExitCodesAndJson) {
  auto missing = ctl({"audit", "--postfix-config", "/nonexistent/postfix", "--no-probe"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_TRUE(
      has(missing.output, "posternctl: audit: cannot read the Postfix configuration: postconf failed: "))
      << missing.output;
  auto usage = ctl({"audit", "--only", "exim"});
  EXPECT_EQ(usage.exit_code, 64) << usage.output;
  EXPECT_TRUE(has(usage.output, "usage: posternctl audit")) << usage.output;

  TempDir pfdir{"audit-json"};
  pfdir.write("main.cf",
              "compatibility_level = 3.6\nsmtpd_tls_security_level = encrypt\nsmtpd_tls_cert_file = "
              "/nonexistent.pem\n"
              "smtpd_forbid_bare_newline = yes\ndisable_vrfy_command = yes\nsmtp_tls_security_level = may\n");
  pfdir.write("master.cf", "# the MX\nsmtp inet n - n - - smtpd\n");
  auto j = ctl({"audit", "--only", "postfix", "--postfix-config", pfdir.str(), "--no-probe", "--json"});
  EXPECT_EQ(j.exit_code, 1) << j.output;
  EXPECT_EQ(
      j.output,
      "{\"findings\": [\n"
      "  {\"id\": \"postfix.mx.encrypt\", \"severity\": \"error\", \"where\": \"main.cf (master.cf:2 "
      "smtp)\", "
      "\"setting\": \"smtpd_tls_security_level\", \"value\": \"encrypt\", \"message\": \"the public MX "
      "requires "
      "TLS: servers that cannot do STARTTLS can no longer deliver to you (RFC 3207 forbids this on a "
      "publicly-referenced server)\", \"fix\": \"postconf -e 'smtpd_tls_security_level = may'\"},\n"
      "  {\"id\": \"postfix.cert.unreadable\", \"severity\": \"error\", \"where\": \"main.cf\", \"setting\": "
      "\"smtpd_tls_cert_file\", \"value\": \"/nonexistent.pem\", \"message\": \"/nonexistent.pem: does not "
      "exist\", "
      "\"fix\": \"install the certificate at /nonexistent.pem or point smtpd_tls_cert_file at it\"}\n"
      "], \"summary\": {\"errors\": 2, \"warnings\": 0, \"infos\": 0}}\n");
}

}  // namespace
}  // namespace postern
