// Implements DKIM private key loading, generation and public key records with OpenSSL 3.
// Contract in private_key.h.
#include "common/dkim/private_key.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <memory>

#include "common/core/file_read.h"

namespace postern {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string b64(const unsigned char* data, size_t len) {
  std::string out(4 * ((len + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(len));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' || s[a] == '\n')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r' || s[b - 1] == '\n')) --b;
  return std::string(s.substr(a, b - a));
}

// RFC 8463 form: base64 of the 32-byte ed25519 seed.
Pkey ed25519_from_seed_b64(const std::string& text) {
  if (text.size() != 44) return nullptr;
  unsigned char raw[48];
  int n = EVP_DecodeBlock(raw, reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  Pkey key;
  if (n == 33 && text[43] == '=') key.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw, 32));
  OPENSSL_cleanse(raw, sizeof raw);
  return key;
}

Result<DkimPrivateKey> from_pkey(Pkey owned) {
  EVP_PKEY* pkey = owned.get();
  DkimPrivateKey out;
  int id = EVP_PKEY_get_base_id(pkey);
  if (id == EVP_PKEY_RSA) {
    out.type = DkimKeyType::rsa;
    out.bits = EVP_PKEY_get_bits(pkey);
    if (out.bits < kMinRsaBits || out.bits > kMaxRsaBits)
      return Error::perm("RSA key of " + std::to_string(out.bits) + " bits (allowed " +
                         std::to_string(kMinRsaBits) + ".." + std::to_string(kMaxRsaBits) + ")");
    unsigned char* spki = nullptr;
    int len = i2d_PUBKEY(pkey, &spki);
    if (len <= 0) return Error::perm("cannot encode the RSA public key");
    out.public_b64 = b64(spki, static_cast<size_t>(len));
    OPENSSL_free(spki);
  } else if (id == EVP_PKEY_ED25519) {
    out.type = DkimKeyType::ed25519;
    out.bits = 256;
    unsigned char pub[32];
    size_t publen = sizeof pub;
    if (EVP_PKEY_get_raw_public_key(pkey, pub, &publen) != 1 || publen != 32)
      return Error::perm("cannot read the ed25519 public key");
    out.public_b64 = b64(pub, publen);
  } else {
    return Error::perm("not an RSA or ed25519 private key");
  }
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Error::perm("cannot encode the private key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  out.pem.assign(data, static_cast<size_t>(len));
  OPENSSL_cleanse(data, static_cast<size_t>(len));
  out.pkey = std::shared_ptr<EVP_PKEY>(owned.release(), PkeyFree());
  return out;
}

}  // namespace

const char* to_string(DkimKeyType t) { return t == DkimKeyType::rsa ? "rsa" : "ed25519"; }
const char* signing_algorithm(DkimKeyType t) {
  return t == DkimKeyType::rsa ? "rsa-sha256" : "ed25519-sha256";
}

DkimPrivateKey::~DkimPrivateKey() {
  if (!pem.empty()) OPENSSL_cleanse(pem.data(), pem.size());
}

std::string DkimPrivateKey::dns_record() const {
  return std::string("v=DKIM1; k=") + to_string(type) + "; p=" + public_b64;
}

Result<DkimPrivateKey> parse_dkim_private_key(std::string_view text) {
  if (text.size() > kMaxKeyFileBytes)
    return Error::perm("key file larger than " + std::to_string(kMaxKeyFileBytes) + " bytes");
  std::string t = trim(text);
  Pkey key;
  if (t.rfind("-----BEGIN ", 0) == 0) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(t.data(), static_cast<int>(t.size())));
    if (!bio) return Error::temp("out of memory");
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
    if (!key) return Error::perm("not a readable PEM private key (encrypted keys are not supported)");
  } else {
    key = ed25519_from_seed_b64(t);
    if (!key) return Error::perm("not a PEM private key nor a base64 ed25519 seed (RFC 8463)");
  }
  OPENSSL_cleanse(t.data(), t.size());
  return from_pkey(std::move(key));
}

Result<DkimPrivateKey> load_dkim_private_key(const std::string& path) {
  auto text = read_regular_file(path, kMaxKeyFileBytes);
  if (!text) return Error{text.error().kind, "key file " + text.error().message};
  auto r = parse_dkim_private_key(*text);
  OPENSSL_cleanse(text->data(), text->size());
  if (!r) return Error::perm(path + ": " + r.error().message);
  return r;
}

Result<std::string> generate_dkim_private_key_pem(DkimKeyType type, int bits) {
  Pkey key;
  if (type == DkimKeyType::rsa) {
    if (bits < kMinRsaBits || bits > kMaxRsaBits)
      return Error::perm("RSA bits must be " + std::to_string(kMinRsaBits) + ".." +
                         std::to_string(kMaxRsaBits));
    key.reset(EVP_RSA_gen(static_cast<unsigned>(bits)));
  } else {
    key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  }
  if (!key) return Error::temp("key generation failed");
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1)
    return Error::temp("cannot encode the new key");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(len));
  OPENSSL_cleanse(data, static_cast<size_t>(len));
  return pem;
}

std::vector<std::string> split_txt_strings(std::string_view record) {
  std::vector<std::string> out;
  for (size_t i = 0; i < record.size(); i += kMaxTxtStringLength)
    out.emplace_back(record.substr(i, kMaxTxtStringLength));
  if (out.empty()) out.emplace_back();
  return out;
}

std::string dkim_zone_line(std::string_view selector, std::string_view domain, std::string_view record) {
  std::string out = std::string(selector) + "._domainkey." + std::string(domain) + ". IN TXT (";
  for (const auto& s : split_txt_strings(record)) out += " \"" + s + "\"";
  return out + " )";
}

}  // namespace postern
