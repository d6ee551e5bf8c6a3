// [sender] section: sender ownership, enforced by postern-milter for authenticated users.
#pragma once
#include <string>
#include <vector>

#include "common/config/reader.h"
#include "common/core/clock.h"

namespace postern {

struct SenderConfig {
  bool enabled = true;
  // enforce: reject mail whose envelope sender or From:/Sender: the login does not own (553/550 5.7.1).
  // soft: only log and add an X-Postern-Sender-Warning header (for rollout).
  std::string mode = "soft";
  // smtpd_sender_login_maps-style text files ("address  login1, login2" and "@domain  login").
  std::vector<std::string> login_maps;
  // A Mail-in-a-Box users database (users.email, aliases.source/destination/permitted_senders).
  std::string sqlite_path;
  bool local_part_case_insensitive = false;
  std::string recipient_delimiter = "+";  // as Postfix's recipient_delimiter; "" disables
  std::vector<std::string> exempt_logins;
  // The null sender (MAIL FROM:<>) from an authenticated user: allow | reject.
  std::string null_sender = "reject";
  Seconds reload_check_interval{1};
  // Our own domains, for mail from outside that claims them. Empty: the domains of [dkim] keys.
  std::vector<std::string> local_domains;
  // Unauthenticated mail from outside [dkim].internal_networks whose From: is one of local_domains
  // without a passing DKIM signature of that domain: reject | header | accept.
  std::string outside_action = "reject";
};

void read_sender_config(SectionReader& r, SenderConfig& c);

}  // namespace postern
