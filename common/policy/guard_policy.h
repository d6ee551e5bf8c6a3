// GuardPolicy: the account-guard part of postern-policyd's answer ([account_guard]). At
// END-OF-MESSAGE with a SASL login: a held login gets HOLD (the message waits in Postfix's hold
// queue), and the first HOLD after a hold began mails the admin ([account_guard] alert_to) why and
// how to release (queued on the AlertQueue: the answer never waits for sendmail). At RCPT with a login: notes
// the recipient domain for the recipient_domains sign and answers nothing (the rest of the policy decides). A
// store failure answers nothing (the message is not held) and is logged once per outage through the shared
// StoreOutage. Nothing here touches IMAP/POP3 logins. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/guard/account_guard.h"
#include "common/policy/request_parser.h"
#include "common/policy/send_limits.h"
#include "common/store/outage.h"

namespace postern {

class GuardPolicy {
 public:
  GuardPolicy(AccountGuard& guard, const Clock& clock, std::shared_ptr<Logger> log,
              std::shared_ptr<StoreOutage> outage, std::string store_name, AlertQueue* alerts = nullptr);
  std::optional<SendLimitAnswer> decide(const PolicyRequest& req);

 private:
  void alert(const std::string& login);
  void failed(const Error& e);

  AccountGuard& guard_;
  const Clock& clock_;
  std::shared_ptr<Logger> log_;
  std::shared_ptr<StoreOutage> outage_;
  std::string store_name_;
  std::string host_;
  AlertQueue* alerts_;  // sends the alert mail; null: none sent
};

}  // namespace postern
