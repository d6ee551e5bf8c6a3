// Implements verify_password and make_sha512_crypt. Contract in password_hash.h.
#include "common/auth/password_hash.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

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

}  // namespace

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
  if (rounds < 1000 || rounds > 999999999) return Error::perm("rounds must be 1000..999999999");
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
