// Verifies passwords against stored hashes and makes new SHA512-CRYPT hashes, with libxcrypt's
// crypt_rn (thread-safe: each thread keeps its own crypt_data). The computed hash is compared with
// the stored one in constant time (CRYPTO_memcmp over equal lengths), and so is a PLAIN password.
// Passwords longer than kMaxPasswordLength or containing NUL never match (and cost no hash).
// A stored hash's work parameters come from the user database and are capped (hash_work_problem):
// glibc accepts rounds=999999999 (minutes of CPU per login), so one hash could tie up a hashing
// thread. The caps sit near one second of work per login on a current core, well above the
// defaults of the tools that make such hashes:
//   kMaxCryptRounds      SHA-crypt ($5$, $6$) rounds; Dovecot's default is 5,000, passlib's
//                        656,000; 1,000,000 rounds take about a second (glibc's own cap is
//                        999,999,999).
//   kMaxBcryptCost       BLF-CRYPT ($2a$/$2b$/$2y$) cost, 2^cost rounds; Dovecot's default is 5,
//                        PHP's 10; 14 takes about a second.
//   kMaxYescryptMemory   yescrypt ($y$) memory 128 * r * N bytes; libxcrypt's default (cost 5) is
//                        16 MiB; 64 MiB is cost 7 (per hashing thread, inside Dovecot's vsz_limit).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/auth/password_scheme.h"
#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxPasswordLength = 511;  // libxcrypt takes CRYPT_MAX_PASSPHRASE_SIZE - 1
inline constexpr int64_t kSha512DefaultRounds = 5000;
inline constexpr int64_t kMinCryptRounds = 1000;  // glibc's minimum
inline constexpr int64_t kMaxCryptRounds = 1000000;
inline constexpr int kMaxBcryptCost = 14;
inline constexpr uint64_t kMaxYescryptMemory = 64u * 1024 * 1024;

// Why stored asks for more work than the caps above, or nullopt when it does not. Pure; a hash
// whose parameters cannot be read is left to verify_password (which reports it as damaged).
std::optional<std::string> hash_work_problem(const StoredPassword& stored);

// true when password matches; an error when the hash cannot be computed (damaged hash).
Result<bool> verify_password(const StoredPassword& stored, std::string_view password);

// "$6$SALT$HASH" (or "$6$rounds=N$SALT$HASH" when rounds != 5000) with 16 random salt characters
// from the OS. Prefix with "{SHA512-CRYPT}" for Dovecot. rounds: kMinCryptRounds..kMaxCryptRounds.
Result<std::string> make_sha512_crypt(std::string_view password, int64_t rounds = kSha512DefaultRounds);

}  // namespace postern
