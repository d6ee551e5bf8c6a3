// AccountGuard: holds the outgoing mail of a login that shows signs of a stolen password.
// Each part of Postern that sees a sign records it here, in the shared Store, with the login:
//   ratelimit          a send limit of the login refused a message (postern-policyd)
//   sender_refused     the login tried to send as an address it does not own (postern-milter)
//   recipient_domains  many distinct recipient domains in a short window (postern-policyd, RCPT)
//   new_network        a successful login from a network not used lately, right after failed
//                      guesses for that login (Dovecot passdb)
// A sign counts for [account_guard] memory after it was last seen; the score is the sum of the
// weights of the distinct signs seen (a sign repeated does not add up, so no single kind of event
// holds a login with the default weights: false positives cost more than misses here). At the
// threshold the login is held: a hold record that only an admin removes (release, which also
// forgets the signs). Who records the sign that reaches the threshold writes the hold and logs it
// once (account_hold, with every sign and its detail), even with several processes or hosts: a
// claim counter in the store decides. Holding concerns sending only: nothing here refuses a login.
// Keys (all under "ag:"): s:LOGIN:SIGN counter, d:LOGIN:SIGN last detail, h:LOGIN hold
// "SINCE<TAB>REASON", hc:LOGIN hold claim, r:LOGIN:DOMAIN and rn:LOGIN recipient domains, a:LOGIN
// alert claim. Logins are lower-cased; one longer than kMaxGuardLogin is not tracked. Store errors
// are returned. Thread-safe (the store is).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/clock.h"
#include "common/core/result.h"
#include "common/guard/guard_config.h"
#include "common/log/log.h"
#include "common/store/store.h"

namespace postern {

inline constexpr size_t kMaxGuardLogin = 320;

enum class GuardSignal { ratelimit, sender_refused, recipient_domains, new_network };
inline constexpr GuardSignal kGuardSignals[] = {GuardSignal::ratelimit, GuardSignal::sender_refused,
                                                GuardSignal::recipient_domains, GuardSignal::new_network};
const char* guard_signal_name(GuardSignal s);

struct GuardSign {
  GuardSignal signal = GuardSignal::ratelimit;
  int64_t count = 0;  // times seen since it began counting
  int weight = 0;
  std::string detail;      // the last one seen, e.g. "limit=3/1h count=4"
  int64_t expires_at = 0;  // when it stops counting unless seen again
};

struct GuardStatus {
  std::string login;
  bool held = false;
  int64_t held_since = 0;
  std::string hold_reason;
  int score = 0;
  std::vector<GuardSign> signs;
};

class AccountGuard {
 public:
  AccountGuard(Store& store, const Clock& clock, AccountGuardConfig config, std::shared_ptr<Logger> log);

  // Records a sign; true when this call held the login. A store error is also logged
  // (account_signal_failed), so callers that cannot act on it may ignore it.
  Result<bool> record(GuardSignal s, std::string_view login, std::string_view detail);
  // One store read: is the login held?
  Result<bool> held(std::string_view login);
  // Notes a recipient domain of the login (RCPT); records recipient_domains when the distinct
  // domains within recipient_domains_window reach recipient_domains. True when that held it.
  Result<bool> note_recipient_domain(std::string_view login, std::string_view domain);
  // Signs, score and hold of one login.
  Result<GuardStatus> status(std::string_view login);
  // Logins with a hold or a live sign, held first, at most limit.
  Result<std::vector<GuardStatus>> list(size_t limit);
  // An admin's hold (reason logged and shown by list).
  Result<void> hold(std::string_view login, std::string_view reason);
  // Removes the hold and every sign of the login; true when it was held.
  Result<bool> release(std::string_view login);
  // True for the first caller after a hold began: who sends the one alert for it.
  Result<bool> claim_alert(std::string_view login);

  const AccountGuardConfig& config() const { return config_; }
  int weight(GuardSignal s) const;

 private:
  Result<int> score(const std::string& login, std::string* reasons);
  Result<bool> record_sign(GuardSignal s, std::string_view login, std::string_view detail);

  Store& store_;
  const Clock& clock_;
  AccountGuardConfig config_;
  std::shared_ptr<Logger> log_;
};

}  // namespace postern
