// [sender] section: sender ownership, enforced by postern-milter for authenticated users.
#pragma once
#include <string>
#include <vector>

#include "common/config/reader.h"
#include "common/core/clock.h"

namespace postern {

enum class SenderMode { enforce, soft };
inline constexpr Choice<SenderMode> kSenderModes[] = {{"enforce", SenderMode::enforce},
                                                      {"soft", SenderMode::soft}};
enum class NullSender { allow, reject };
inline constexpr Choice<NullSender> kNullSenders[] = {{"allow", NullSender::allow},
                                                      {"reject", NullSender::reject}};
enum class OutsideAction { reject, header, accept };
inline constexpr Choice<OutsideAction> kOutsideActions[] = {
    {"reject", OutsideAction::reject}, {"header", OutsideAction::header}, {"accept", OutsideAction::accept}};
inline std::string_view to_string(SenderMode v) { return choice_name(v, kSenderModes); }
inline std::string_view to_string(NullSender v) { return choice_name(v, kNullSenders); }
inline std::string_view to_string(OutsideAction v) { return choice_name(v, kOutsideActions); }

struct SenderConfig {
  bool enabled = true;
  // enforce: reject mail whose envelope sender or From:/Sender: the login does not own (553/550 5.7.1).
  // soft: only log and add an X-Postern-Sender-Warning header (for rollout).
  SenderMode mode = SenderMode::soft;
  // smtpd_sender_login_maps-style text files ("address  login1, login2" and "@domain  login").
  std::vector<std::string> login_maps;
  // A Mail-in-a-Box users database (users.email, aliases.source/destination/permitted_senders).
  std::string sqlite_path;
  bool local_part_case_insensitive = false;
  std::string recipient_delimiter = "+";  // as Postfix's recipient_delimiter; "" disables
  std::vector<std::string> exempt_logins;
  // The null sender (MAIL FROM:<>) from an authenticated user: allow | reject.
  NullSender null_sender = NullSender::reject;
  Seconds reload_check_interval{1};
  // Our own domains, for mail from outside that claims them. Empty: the domains of [dkim] keys.
  std::vector<std::string> local_domains;
  // Unauthenticated mail from outside [dkim].internal_networks whose From: is one of local_domains
  // without a passing DKIM signature of that domain: reject | header | accept.
  OutsideAction outside_action = OutsideAction::reject;
};

void read_sender_config(SectionReader& r, SenderConfig& c);

}  // namespace postern
