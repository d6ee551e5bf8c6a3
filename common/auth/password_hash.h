// Verifies passwords against stored hashes and makes new SHA512-CRYPT hashes, with libxcrypt's
// crypt_rn (thread-safe: each thread keeps its own crypt_data). The computed hash is compared with
// the stored one in constant time (CRYPTO_memcmp over equal lengths), and so is a PLAIN password.
// Passwords longer than kMaxPasswordLength or containing NUL never match (and cost no hash).
#pragma once

#include <string>
#include <string_view>

#include "common/auth/password_scheme.h"
#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxPasswordLength = 511;  // libxcrypt takes CRYPT_MAX_PASSPHRASE_SIZE - 1
inline constexpr int64_t kSha512DefaultRounds = 5000;

// true when password matches; an error when the hash cannot be computed (damaged hash).
Result<bool> verify_password(const StoredPassword& stored, std::string_view password);

// "$6$SALT$HASH" (or "$6$rounds=N$SALT$HASH" when rounds != 5000) with 16 random salt characters
// from the OS. Prefix with "{SHA512-CRYPT}" for Dovecot.
Result<std::string> make_sha512_crypt(std::string_view password, int64_t rounds = kSha512DefaultRounds);

}  // namespace postern
