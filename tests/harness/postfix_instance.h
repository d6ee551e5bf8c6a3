// PostfixInstance: a private, real Postfix for tests and the demo. Everything lives in one
// TempDir (config_directory, queue_directory, data_directory, mailboxes, maillog); it listens on
// 127.0.0.1 only, on ports chosen at run time; it never touches /etc/postfix or the system queue
// and is stopped in the destructor. Delivery: virtual mailboxes (maildir) for the configured
// domains. The loopback client counts as "outside" (mynetworks excludes it) so relay and policy
// checks apply; XCLIENT is allowed from loopback so tests can pose as any client address.
// Needs root (Postfix's master starts as root and runs its services as user postfix).
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "tests/harness/temp_dir.h"

namespace postern::test {

struct PostfixOptions {
  std::vector<std::string> domains = {"example.org"};  // virtual mailbox domains
  std::vector<std::string> mailboxes = {"alice@example.org", "bob@example.org"};
  bool submission = false;                     // a second smtpd with SASL auth required (submission)
  int dovecot_auth_port = 0;                   // for submission: Dovecot's auth inet listener
  std::map<std::string, std::string> main_cf;  // extra or overriding main.cf parameters
  std::vector<std::string> master_cf;          // extra master.cf lines
  // Options for the MX smtpd only (master.cf -o name=value), e.g. smtpd_milters.
  std::map<std::string, std::string> mx_options;
  std::map<std::string, std::string> submission_options;
};

class PostfixInstance {
 public:
  explicit PostfixInstance(PostfixOptions options = {});
  ~PostfixInstance();
  PostfixInstance(const PostfixInstance&) = delete;
  PostfixInstance& operator=(const PostfixInstance&) = delete;

  int smtp_port() const { return smtp_port_; }
  int submission_port() const { return submission_port_; }
  const std::string& config_dir() const { return config_dir_; }
  const TempDir& dir() const { return dir_; }

  // Delivered messages of a mailbox (full text of each file in its maildir), oldest first.
  std::vector<std::string> messages(const std::string& mailbox) const;
  // Polls until the mailbox holds at least n messages; false after timeout.
  bool wait_for_messages(const std::string& mailbox, size_t n,
                         std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  std::string maillog() const;
  // Polls the maillog for a fragment; false after timeout.
  bool wait_for_log(const std::string& fragment,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20)) const;
  // Messages still in the queue (postqueue -p output).
  std::string queue() const;
  void reload();
  void stop();

 private:
  TempDir dir_{"postern-postfix"};
  std::string config_dir_;
  int smtp_port_ = 0;
  int submission_port_ = 0;
  bool running_ = false;
};

}  // namespace postern::test
