// Authenticator: one password login, the way the Dovecot passdb "postern" decides it.
//   1. lockout check (no hash is computed for a refused source);
//   2. user lookup; an unknown user, a damaged hash or a weak scheme that is not allowed is
//      checked against a dummy SHA512-CRYPT hash of dummy_rounds, so it costs the same time as a
//      wrong password and answers the same (nobody can tell unknown users from wrong passwords);
//   3. constant-time verification; the outcome is recorded for lockout.
// Store failures follow [auth.lockout].on_store_failure and are logged once per outage; user
// source failures tempfail the login. authenticate() is thread-safe and blocking (it hashes):
// the Dovecot plugin calls it from its own worker threads, never on Dovecot's event loop.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/auth/auth_config.h"
#include "common/auth/lockout.h"
#include "common/auth/password_scheme.h"
#include "common/auth/user_source.h"
#include "common/core/clock.h"
#include "common/log/log.h"
#include "common/net/ip.h"
#include "common/store/store.h"

namespace postern {

enum class AuthStatus { ok, mismatch, unknown_user, refused, tempfail };
const char* auth_status_name(AuthStatus s);

struct AuthOutcome {
  AuthStatus status = AuthStatus::tempfail;
  // Wait this long before answering (refusals), on the caller's event loop.
  std::chrono::milliseconds delay{0};
  std::string reason;  // for the log; never shown to the client
};

class Authenticator {
 public:
  // store may be null (no lockout). Fails if the dummy hash cannot be made.
  static Result<std::unique_ptr<Authenticator>> create(AuthConfig config, std::unique_ptr<UserSource> users,
                                                       Store* store, const Clock& clock,
                                                       std::shared_ptr<Logger> log);

  // remote is the client's address when known (doveadm without rip= has none: no lockout then).
  AuthOutcome authenticate(std::string_view user, std::string_view password,
                           const std::optional<IpAddress>& remote);

  Lockout* lockout() { return lockout_.get(); }

  // A store failure seen outside a login (the store unreachable at start): logged now, once for
  // the outage, as a failing login would.
  void store_failed(const Error& e);

 private:
  Authenticator(AuthConfig config, std::unique_ptr<UserSource> users, Store* store, const Clock& clock,
                std::shared_ptr<Logger> log, std::string dummy);
  void store_ok();
  void burn_dummy(std::string_view password);

  AuthConfig config_;
  std::unique_ptr<UserSource> users_;
  const Clock& clock_;
  std::shared_ptr<Logger> log_;
  std::unique_ptr<Lockout> lockout_;
  StoredPassword dummy_;
  std::atomic<bool> store_down_{false};
};

}  // namespace postern
