// Parses a stored password as Dovecot writes it: "{SCHEME}data", or bare data with the passdb's
// default scheme (CRYPT for passwd-files, as in Dovecot). Pure function; the input comes from
// user databases (trusted by the admin but possibly damaged), so it is bounded by
// kMaxStoredPassword and an unknown or malformed scheme is a permanent error, never a crash.
// Knows which schemes are strong (salted, slow crypt(3) methods) and which are weak.
#pragma once

#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxStoredPassword = 1024;
inline constexpr size_t kMaxSchemeName = 32;

enum class PasswordScheme {
  sha512_crypt,  // $6$
  sha256_crypt,  // $5$
  blf_crypt,     // $2a$ $2b$ $2y$
  yescrypt,      // $y$ (CRYPT with a libxcrypt yescrypt hash)
  md5_crypt,     // $1$ (weak)
  des_crypt,     // traditional 13-character crypt (weak)
  plain,         // PLAIN / CLEARTEXT (weak)
};

struct StoredPassword {
  PasswordScheme scheme = PasswordScheme::sha512_crypt;
  std::string data;  // the crypt(3) string, or the cleartext for plain
};

bool scheme_is_weak(PasswordScheme s);
const char* scheme_name(PasswordScheme s);

// "{SHA512-CRYPT}$6$salt$hash", "{CRYPT}$2y$05$...", "$6$..." (bare = CRYPT), "{PLAIN}secret".
Result<StoredPassword> parse_stored_password(std::string_view text);

}  // namespace postern
