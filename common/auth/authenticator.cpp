// Implements Authenticator. Contract in authenticator.h.
#include "common/auth/authenticator.h"

#include "common/auth/password_hash.h"

namespace postern {

const char* auth_status_name(AuthStatus s) {
  switch (s) {
    case AuthStatus::ok:
      return "ok";
    case AuthStatus::mismatch:
      return "mismatch";
    case AuthStatus::unknown_user:
      return "unknown_user";
    case AuthStatus::refused:
      return "refused";
    case AuthStatus::tempfail:
      return "tempfail";
  }
  return "?";
}

Result<std::unique_ptr<Authenticator>> Authenticator::create(AuthConfig config,
                                                             std::unique_ptr<UserSource> users, Store* store,
                                                             const Clock& clock,
                                                             std::shared_ptr<Logger> log) {
  // The dummy's password is random and never known: nothing can match it.
  auto dummy =
      make_sha512_crypt("postern-dummy-" + std::to_string(clock.unix_seconds()), config.dummy_rounds);
  if (!dummy) return dummy.error();
  return std::unique_ptr<Authenticator>(
      new Authenticator(std::move(config), std::move(users), store, clock, std::move(log), *dummy));
}

Authenticator::Authenticator(AuthConfig config, std::unique_ptr<UserSource> users, Store* store,
                             const Clock& clock, std::shared_ptr<Logger> log, std::string dummy)
    : config_(std::move(config)), users_(std::move(users)), clock_(clock), log_(std::move(log)) {
  dummy_.scheme = PasswordScheme::sha512_crypt;
  dummy_.data = std::move(dummy);
  if (store && config_.lockout.enabled)
    lockout_ = std::make_unique<Lockout>(*store, clock_, config_.lockout, log_);
}

void Authenticator::store_failed(const Error& e) {
  if (store_down_.exchange(true)) return;
  if (log_) {
    LogLine(*log_, LogLevel::error, "store_failure")
        .kv("error", e.message)
        .kv("action", config_.lockout.on_store_failure == LockoutStoreFailure::tempfail
                          ? "tempfail logins"
                          : "authenticate without lockout");
  }
}

void Authenticator::store_ok() {
  if (store_down_.exchange(false) && log_) LogLine(*log_, LogLevel::notice, "store_recovered");
}

void Authenticator::burn_dummy(std::string_view password) { (void)verify_password(dummy_, password); }

AuthOutcome Authenticator::authenticate(std::string_view user, std::string_view password,
                                        const std::optional<IpAddress>& remote) {
  bool tempfail_on_store = config_.lockout.on_store_failure == LockoutStoreFailure::tempfail;
  bool use_lockout = lockout_ && remote;
  if (use_lockout) {
    auto d = lockout_->check(user, *remote);
    if (!d) {
      store_failed(d.error());
      if (tempfail_on_store) return {AuthStatus::tempfail, {}, "store: " + d.error().message};
      use_lockout = false;
    } else {
      store_ok();
      if (d->refused) {
        return {AuthStatus::refused, config_.lockout.refusal_delay,
                std::string("locked (") + lock_scope_name(d->scope) + ")"};
      }
    }
  }

  AuthOutcome out;
  auto stored_text = users_->password_of(user);
  if (!stored_text) {
    burn_dummy(password);
    if (log_)
      LogLine(*log_, LogLevel::error, "user_source")
          .kv("source", users_->describe())
          .kv("error", stored_text.error().message);
    return {AuthStatus::tempfail, {}, "user source: " + stored_text.error().message};
  }
  if (!*stored_text) {
    burn_dummy(password);
    out = {AuthStatus::unknown_user, {}, "unknown user"};
  } else {
    auto stored = parse_stored_password(**stored_text);
    if (!stored) {
      burn_dummy(password);
      if (log_)
        LogLine(*log_, LogLevel::error, "bad_hash").kv("user", user).kv("error", stored.error().message);
      return {AuthStatus::tempfail, {}, "stored password: " + stored.error().message};
    }
    if (auto too_costly = hash_work_problem(*stored)) {
      // Answered exactly like a wrong password, after the same dummy work, so the cap reveals
      // nothing about the account; the admin learns of it from the log.
      burn_dummy(password);
      if (log_) {
        LogLine(*log_, LogLevel::warning, "hash_too_costly")
            .kv("user", user)
            .kv("error", *too_costly)
            .kv("action", "login refused; rehash the password (posternctl passwd)");
      }
      out = {AuthStatus::mismatch, {}, "stored hash above the work cap"};
    } else if (scheme_is_weak(stored->scheme) && !config_.allow_weak_schemes) {
      burn_dummy(password);
      if (log_) {
        LogLine(*log_, LogLevel::warning, "weak_scheme")
            .kv("user", user)
            .kv("scheme", scheme_name(stored->scheme))
            .kv("action", "refused (set [auth].allow_weak_schemes to accept)");
      }
      out = {AuthStatus::mismatch, {}, "weak scheme refused"};
    } else {
      auto ok = verify_password(*stored, password);
      if (!ok) {
        if (log_)
          LogLine(*log_, LogLevel::error, "bad_hash").kv("user", user).kv("error", ok.error().message);
        return {AuthStatus::tempfail, {}, "stored password: " + ok.error().message};
      }
      out = *ok ? AuthOutcome{AuthStatus::ok, {}, "password ok"}
                : AuthOutcome{AuthStatus::mismatch, {}, "wrong password"};
    }
  }

  if (use_lockout) {
    auto r = out.status == AuthStatus::ok ? lockout_->record_success(user, *remote)
                                          : lockout_->record_failure(user, *remote);
    if (!r) {
      store_failed(r.error());
      if (tempfail_on_store && out.status != AuthStatus::ok)
        return {AuthStatus::tempfail, {}, "store: " + r.error().message};
    }
  }
  return out;
}

}  // namespace postern
