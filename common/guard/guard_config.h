// [account_guard]: holding the mail of a login that shows the signs of a stolen password
// (common/guard/account_guard.h). Read by postern-policyd (holds, ratelimit and recipient-domain
// signals), postern-milter (sender-ownership refusals) and the Dovecot passdb (a login from a new
// network right after failed guesses). Conservative defaults: one signal alone never holds.
#pragma once

#include <chrono>
#include <string>

#include "common/config/reader.h"

namespace postern {

struct AccountGuardConfig {
  bool enabled = false;
  int threshold = 10;                  // the sum of the weights of the signals seen that holds
  std::chrono::seconds memory{86400};  // a signal counts this long after it was last seen
  int weight_ratelimit = 5;            // a send limit of the login refused a message
  int weight_sender_refused = 5;       // the milter refused a sender the login does not own
  int weight_recipient_domains = 5;    // many distinct recipient domains in a short time
  int weight_new_network = 5;          // login from a new network right after failed guesses
  int recipient_domains = 30;          // distinct recipient domains ...
  std::chrono::seconds recipient_domains_window{3600};  // ... within this time make a signal
  int new_network_failures = 3;  // failed guesses for the login (any network) before such a login
  std::string alert_to;          // one mail per hold ("" = none)
  std::string sendmail = "/usr/sbin/sendmail";
  bool operator==(const AccountGuardConfig&) const = default;
};

void read_guard_config(SectionReader& r, AccountGuardConfig& c);

}  // namespace postern
