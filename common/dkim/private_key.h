// DKIM private keys: loading, generating, and the DNS TXT record of the matching public key.
// Accepted key formats: PEM (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA PRIVATE KEY") for rsa and ed25519,
// and for ed25519 also the RFC 8463 form, the 32-byte seed in base64 on one line (as python's
// dknewkey writes it). Keys are handed to libopendkim as PKCS#8 PEM text. The key text is trusted to be
// a key file the admin chose but parsed defensively (OpenSSL, at most kMaxKeyFileBytes); key bytes
// are wiped (OPENSSL_cleanse) when the object dies. Limits: RSA kMinRsaBits..kMaxRsaBits.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace postern {

inline constexpr size_t kMaxKeyFileBytes = 64 * 1024;
inline constexpr int kMinRsaBits = 1024;
inline constexpr int kMaxRsaBits = 8192;
inline constexpr size_t kMaxTxtStringLength = 255;  // one DNS character-string

enum class DkimKeyType { rsa, ed25519 };
const char* to_string(DkimKeyType t);          // "rsa" / "ed25519" (the k= value)
const char* signing_algorithm(DkimKeyType t);  // "rsa-sha256" / "ed25519-sha256" (the a= value)

class DkimPrivateKey {
 public:
  DkimPrivateKey() = default;
  DkimPrivateKey(const DkimPrivateKey& o) = default;
  DkimPrivateKey& operator=(const DkimPrivateKey& o) = default;
  ~DkimPrivateKey();

  DkimKeyType type = DkimKeyType::rsa;
  int bits = 0;            // RSA modulus bits; 256 for ed25519
  std::string pem;         // PKCS#8 PEM private key (secret), the form libopendkim takes
  std::string public_b64;  // the p= value: SubjectPublicKeyInfo (rsa) or the raw 32 bytes (ed25519)
  // The parsed key, shared read-only by every signing session (parsing PEM costs ~400 us with
  // OpenSSL 3, more than an RSA-2048 signature).
  std::shared_ptr<evp_pkey_st> pkey;

  // "v=DKIM1; k=rsa; p=..." (k= is given for rsa too, which every verifier accepts).
  std::string dns_record() const;
};

Result<DkimPrivateKey> parse_dkim_private_key(std::string_view text);
// Reads and parses a key file; errors name the path.
Result<DkimPrivateKey> load_dkim_private_key(const std::string& path);
// A new key as PKCS#8 PEM. bits is used for rsa only (kMinRsaBits..kMaxRsaBits).
Result<std::string> generate_dkim_private_key_pem(DkimKeyType type, int bits);

// A TXT record value split into character-strings of at most kMaxTxtStringLength bytes.
std::vector<std::string> split_txt_strings(std::string_view record);
// A zone-file line: `SELECTOR._domainkey.DOMAIN. IN TXT ( "..." "..." )`.
std::string dkim_zone_line(std::string_view selector, std::string_view domain, std::string_view record);

}  // namespace postern
