// DovecotInstance: a private, real Dovecot for tests and the demo: its own base_dir, state_dir,
// logs and maildirs in one TempDir, IMAP and POP3 on free 127.0.0.1 ports, and an auth inet
// listener for Postfix's SASL (smtpd_sasl_type = dovecot, smtpd_sasl_path = inet:127.0.0.1:PORT).
// Users come from a passwd-file with SHA512-CRYPT hashes made by `doveadm pw`, unless passdb_conf
// replaces the passdb block (e.g. `passdb { driver = postern args = ... }`). Runs `dovecot -F` as
// a child process, stopped in the destructor. Needs root (Dovecot drops to dovenull/dovecot).
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {

struct DovecotOptions {
  std::map<std::string, std::string> users = {{"alice@example.org", "alice-secret"}};  // user -> password
  std::string passdb_conf;  // replaces the passwd-file passdb block when not empty
  std::string extra_conf;   // appended to dovecot.conf
  std::map<std::string, std::string> env;
  // Extra auth modules (e.g. libauthdb_postern.so from the build). Dovecot loads auth modules only
  // from its compiled-in directory, so when this is set Dovecot runs in a private mount namespace
  // (unshare -m) where a temp copy of that directory plus these modules is bound over it.
  std::vector<std::string> auth_modules;
};

struct AuthTestResult {
  bool success = false;
  std::string output;
};

class DovecotInstance {
 public:
  explicit DovecotInstance(DovecotOptions options = {});
  ~DovecotInstance();
  DovecotInstance(const DovecotInstance&) = delete;
  DovecotInstance& operator=(const DovecotInstance&) = delete;

  int imap_port() const { return imap_port_; }
  int pop3_port() const { return pop3_port_; }
  int auth_port() const { return auth_port_; }
  const std::string& config_path() const { return conf_; }
  const TempDir& dir() const { return dir_; }
  std::string log() const;

  // `doveadm auth test USER PASS [-x rip=IP]`
  AuthTestResult auth_test(const std::string& user, const std::string& password,
                           const std::string& remote_ip = "");
  // The SHA512-CRYPT hash doveadm makes for a password ({SHA512-CRYPT}$6$...).
  static std::string hash(const std::string& password);

 private:
  TempDir dir_{"postern-dovecot"};
  std::string conf_;
  int imap_port_ = 0, pop3_port_ = 0, auth_port_ = 0;
  std::unique_ptr<Process> proc_;
};

// A minimal IMAP client: greeting, LOGIN, LOGOUT, bounded by a deadline.
struct ImapLoginResult {
  bool ok = false;   // tagged OK
  std::string text;  // the tagged response line
};
ImapLoginResult imap_login(int port, const std::string& user, const std::string& password,
                           std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace postern::test
