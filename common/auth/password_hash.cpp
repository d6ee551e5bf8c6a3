// Implements verify_password and make_sha512_crypt. Contract in password_hash.h.
#include "common/auth/password_hash.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

namespace postern {
namespace {

static_assert(kMaxPasswordLength < CRYPT_MAX_PASSPHRASE_SIZE);

crypt_data& thread_crypt_data() {
  // crypt_data is about 32 KiB: one per thread, on the heap, zeroed before first use.
  thread_local std::unique_ptr<crypt_data> data = std::make_unique<crypt_data>();
  return *data;
}

// Compares SHA-256 digests of both strings in constant time, so neither the position of the
// first difference nor the length of the stored value shows in the timing.
bool equal_constant_time(std::string_view a, std::string_view b) {
  unsigned char da[EVP_MAX_MD_SIZE], db[EVP_MAX_MD_SIZE];
  unsigned int na = 0, nb = 0;
  if (EVP_Digest(a.data(), a.size(), da, &na, EVP_sha256(), nullptr) != 1 ||
      EVP_Digest(b.data(), b.size(), db, &nb, EVP_sha256(), nullptr) != 1 || na != nb)
    return false;
  return CRYPTO_memcmp(da, db, na) == 0;
}

// The value of the crypt(3) base-64 digit c ("./0-9A-Za-z"), or -1.
int crypt64(char c) {
  if (c == '.') return 0;
  if (c == '/') return 1;
  if (c >= '0' && c <= '9') return c - '0' + 2;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 12;
  if (c >= 'a' && c <= 'z') return c - 'a' + 38;
  return -1;
}

// Leading decimal digits of s as a number, saturating (so "rounds=99999999999999999999" is huge,
// not wrapped); nullopt without digits.
std::optional<uint64_t> leading_number(std::string_view s) {
  if (s.empty() || s[0] < '0' || s[0] > '9') return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') break;
    v = v > UINT64_MAX / 100 ? UINT64_MAX / 10 : v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

}  // namespace

std::optional<std::string> hash_work_problem(const StoredPassword& stored) {
  std::string_view h = stored.data;
  switch (stored.scheme) {
    case PasswordScheme::sha512_crypt:
    case PasswordScheme::sha256_crypt: {
      constexpr std::string_view kRounds = "rounds=";
      if (h.size() < 3 || h.substr(3, kRounds.size()) != kRounds) return std::nullopt;  // 5000
      auto n = leading_number(h.substr(3 + kRounds.size()));
      if (n && *n > static_cast<uint64_t>(kMaxCryptRounds))
        return "rounds=" + std::to_string(*n) + " is above the cap of " + std::to_string(kMaxCryptRounds);
      return std::nullopt;
    }
    case PasswordScheme::blf_crypt: {  // $2b$NN$
      auto n = leading_number(h.substr(std::min<size_t>(4, h.size())));
      if (n && *n > static_cast<uint64_t>(kMaxBcryptCost))
        return "bcrypt cost " + std::to_string(*n) + " is above the cap of " + std::to_string(kMaxBcryptCost);
      return std::nullopt;
    }
    case PasswordScheme::yescrypt: {  // $y$ then flags, N (log2 - 1), r (- 1) as base-64 digits
      if (h.size() < 6) return std::nullopt;
      int n_log2 = crypt64(h[4]) + 1, r = crypt64(h[5]) + 1;
      if (n_log2 <= 0 || r <= 0) return std::nullopt;
      if (n_log2 >= 40) return "yescrypt N=2^" + std::to_string(n_log2) + " is above the memory cap";
      uint64_t memory = 128u * static_cast<uint64_t>(r) << n_log2;
      if (memory > kMaxYescryptMemory)
        return "yescrypt needs " + std::to_string(memory >> 20) + " MiB, above the cap of " +
               std::to_string(kMaxYescryptMemory >> 20) + " MiB";
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

Result<bool> verify_password(const StoredPassword& stored, std::string_view password) {
  if (password.size() > kMaxPasswordLength || password.find('\0') != std::string_view::npos) return false;
  if (stored.scheme == PasswordScheme::plain) return equal_constant_time(stored.data, password);
  std::string pw(password);
  crypt_data& data = thread_crypt_data();
  const char* out = crypt_rn(pw.c_str(), stored.data.c_str(), &data, sizeof(data));
  OPENSSL_cleanse(pw.data(), pw.size());
  if (out == nullptr || out[0] == '*')
    return Error::perm("cannot compute hash (damaged or unsupported hash)");
  return equal_constant_time(out, stored.data);
}

Result<std::string> make_sha512_crypt(std::string_view password, int64_t rounds) {
  if (password.size() > kMaxPasswordLength || password.find('\0') != std::string_view::npos)
    return Error::perm("password too long or contains a NUL byte");
  if (rounds < kMinCryptRounds || rounds > kMaxCryptRounds)
    return Error::perm("rounds must be " + std::to_string(kMinCryptRounds) + ".." +
                       std::to_string(kMaxCryptRounds));
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  unsigned long count = rounds == kSha512DefaultRounds ? 0 : static_cast<unsigned long>(rounds);
  if (crypt_gensalt_rn("$6$", count, nullptr, 0, setting, sizeof(setting)) == nullptr)
    return Error::temp("cannot make a salt (no OS randomness?)");
  std::string pw(password);
  crypt_data& data = thread_crypt_data();
  const char* out = crypt_rn(pw.c_str(), setting, &data, sizeof(data));
  OPENSSL_cleanse(pw.data(), pw.size());
  if (out == nullptr || out[0] == '*') return Error::temp("crypt failed");
  return std::string(out);
}

}  // namespace postern
