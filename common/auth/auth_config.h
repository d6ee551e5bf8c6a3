// [auth] and [auth.lockout]: the Dovecot passdb "postern" (libauthdb_postern.so). Users come from
// a Dovecot passwd-file and/or a Mail-in-a-Box users database; lockout counters live in the
// [store]. Read by read_auth_config; every key is listed in etc/postern.conf.example.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/reader.h"

namespace postern {

enum class LockoutStoreFailure { authenticate, tempfail };
inline constexpr Choice<LockoutStoreFailure> kLockoutStoreFailures[] = {
    {"authenticate", LockoutStoreFailure::authenticate}, {"tempfail", LockoutStoreFailure::tempfail}};

struct LockoutConfig {
  bool enabled = true;
  // Failures from one client network (any user) before that network is refused.
  int64_t network_failures = 20;
  // Failures for one user from one client network before that pair is refused.
  int64_t user_failures = 5;
  // Failures for one user from all networks together before networks that never logged in as
  // that user are refused (distributed guessing).
  int64_t distributed_failures = 50;
  std::chrono::seconds window{std::chrono::minutes(15)};
  std::chrono::seconds backoff{std::chrono::minutes(1)};
  std::chrono::seconds max_backoff{std::chrono::hours(1)};
  // How long a successful login keeps a network "known" for that user.
  std::chrono::seconds known_network_ttl{std::chrono::hours(24 * 30)};
  // How long a refusal waits on Dovecot's event loop before it is answered.
  std::chrono::milliseconds refusal_delay{std::chrono::seconds(2)};
  int ipv4_prefix = 32;
  int ipv6_prefix = 64;
  std::vector<std::string> allow_networks;  // never locked
  LockoutStoreFailure on_store_failure = LockoutStoreFailure::authenticate;
};

struct AuthConfig {
  bool enabled = true;
  std::string passwd_file;          // Dovecot passwd-file (user:{SCHEME}hash:...)
  std::string sqlite_users;         // Mail-in-a-Box users.sqlite (users.email, users.password)
  bool allow_weak_schemes = false;  // PLAIN, MD5-CRYPT, ... refused unless true
  int64_t dummy_rounds = 5000;      // SHA512-CRYPT rounds of the hash unknown users are checked against
  int64_t threads = 0;              // hashing threads; 0 = one per CPU
  LockoutConfig lockout;
};

void read_auth_config(SectionReader& r, AuthConfig& c);

}  // namespace postern
