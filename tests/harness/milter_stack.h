// MilterStack: what every postern-milter end-to-end suite starts, in one place: a temporary
// directory, the test DNS server (with DKIM keys generated at start and published), postern-milter
// run from a configuration assembled from the suite's sections, a real Dovecot for SMTP AUTH when
// the suite has users, and a private Postfix whose smtpd_milters point at the milter.
// MilterStackSuite<Suite> is the GoogleTest fixture around it: the stack starts once per suite
// (Suite::options()), and a stack that did not start fails every test of the suite with the reason
// (an exception escaping SetUpTestSuite would only make GoogleTest skip them, which ctest counts as
// passed). Construction throws std::runtime_error naming what did not start.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/dkim/private_key.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/dovecot_instance.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {

class MilterStack;

struct MilterStackOptions {
  std::string milter;  // the postern-milter binary (the suite's MILTER definition)
  std::string dir_prefix = "postern-milter";
  bool dns = true;  // a test DNS server, and [dns] pointing at it
  // DKIM keys generated at start: DIR/DOMAIN.key (mode 0644, so the milter reads it as nobody),
  // the public key published at s1._domainkey.DOMAIN.
  std::vector<std::string> dkim_keys;
  DkimKeyType key_type = DkimKeyType::rsa;
  int key_bits = 2048;
  std::vector<std::string> signing_domains;  // a [[dkim.key]] (selector s1) for each, from dkim_keys
  // Keys of [milter] besides socket, user and group; then every other section of the config, as
  // TOML text (e.g. "[dmarc]\nenforce = true\n").
  // "@DIR@" in either stands for the stack's directory.
  std::string milter_keys = "authserv_id = \"mx.example.org\"\n";
  std::string sections;
  std::map<std::string, std::string> files;  // written to the directory (name -> content) first
  // Runs after files are written and before the milter starts (files the milter reads at start).
  std::function<void(const std::filesystem::path& dir)> prepare;
  // Dovecot users (login -> password): Dovecot runs, and Postfix gets a submission port
  // authenticating through it.
  std::map<std::string, std::string> users;
  std::vector<std::string> mailboxes = {"bob@example.org"};
  std::vector<std::string> domains = {"example.org"};
  bool non_smtpd_milters = false;
  std::map<std::string, std::string> main_cf;
  std::map<std::string, std::string> mx_options;
  // Runs after the milter and Dovecot start and before Postfix does (e.g. to start a policy
  // service and point mx_options at it).
  std::function<void(MilterStack&, PostfixOptions&)> before_postfix;
};

class MilterStack {
 public:
  explicit MilterStack(MilterStackOptions options);
  ~MilterStack();
  MilterStack(const MilterStack&) = delete;
  MilterStack& operator=(const MilterStack&) = delete;

  TempDir& dir() { return *dir_; }
  TestDnsServer& dns() { return *dns_; }
  Process& milter() { return *milter_; }
  PostfixInstance& postfix() { return *postfix_; }
  const std::string& config_file() const { return config_; }
  std::string socket() const;
  std::filesystem::path key_file(const std::string& domain) const;

  // Mail from outside to the MX port, the client address given through XCLIENT.
  SmtpReply inbound(const std::string& from, const std::string& message,
                    const std::string& client = "203.0.113.5",
                    const std::vector<std::string>& to = {"bob@example.org"},
                    const std::string& helo = "mail.sender.test");
  // Authenticated mail through the submission port.
  SmtpReply submit(const std::string& user, const std::string& password, const std::string& from,
                   const std::string& message, const std::vector<std::string>& to = {"bob@example.org"});
  // The n-th message (1-based, oldest first) of a mailbox, once it holds n; "" (and a failed
  // expectation with the logs) if it never does.
  std::string delivered(const std::string& mailbox, size_t n);
  // The message signed by DOMAIN's key from dkim_keys (selector s1), through posternctl.
  std::string signed_by(const std::string& posternctl, const std::string& domain, const std::string& message);

 private:
  MilterStackOptions options_;
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<TestDnsServer> dns_;
  std::unique_ptr<Process> milter_;
  std::unique_ptr<DovecotInstance> dovecot_;
  std::unique_ptr<PostfixInstance> postfix_;
  std::string config_;
};

template <class Suite>
class MilterStackSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      stack_ = std::make_unique<MilterStack>(Suite::options());
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() { stack_.reset(); }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << "test servers did not start: " << setup_error_;
  }
  static MilterStack& stack() { return *stack_; }

  static inline std::unique_ptr<MilterStack> stack_;
  static inline std::string setup_error_;
};

}  // namespace postern::test
