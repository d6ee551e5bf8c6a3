// Implements build_hold_alert. Contract in hold_alert.h.
#include "common/guard/hold_alert.h"

#include <ctime>

#include "common/log/log.h"

namespace postern {
namespace {

std::string fmt(int64_t unix, const char* f) {
  std::time_t t = static_cast<std::time_t>(unix);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, f, &tm);
  return buf;
}

}  // namespace

std::string build_hold_alert(const GuardStatus& st, const std::string& to, const std::string& host,
                             int64_t now) {
  const std::string who = log_safe(st.login, 200);
  std::string m;
  m += "From: postern-policyd <" + to + ">\n";
  m += "To: <" + to + ">\n";
  m += "Subject: Account held: " + who + "\n";
  m += "Date: " + fmt(now, "%a, %d %b %Y %H:%M:%S +0000") + "\n";
  m += "Auto-Submitted: auto-generated\n";
  m += "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n";
  m += "The Postern account guard on " + log_safe(host, 200) + " holds the outgoing mail of " + who +
       " since " + fmt(st.held_since, "%Y-%m-%dT%H:%M:%SZ") + ".\n";
  m += "Reason: " + log_safe(st.hold_reason, 1000) + "\n\nSigns seen:\n";
  for (const auto& s : st.signs) {
    m += "  " + std::string(guard_signal_name(s.signal)) + " (weight " + std::to_string(s.weight) +
         ", seen " + std::to_string(s.count) + "x): " + log_safe(s.detail, 300) + "\n";
  }
  m += "\nIts messages are accepted into Postfix's hold queue; nothing is delivered or lost. The user\n"
       "can still log in to IMAP and POP3 (to read your mail and change the password).\n\n";
  m += "If the password may be known to someone else, change it. Then:\n";
  m += "  posternctl account release " + who + "     (sends its next messages normally again)\n";
  m += "  postqueue -j                                (the held messages)\n";
  m += "  postsuper -H QUEUE_ID  /  postsuper -d QUEUE_ID   (release / delete one held message)\n";
  return m;
}

}  // namespace postern
