// Implements TestCa with OpenSSL. Contract in test_ca.h.
#include "tests/harness/test_ca.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <memory>
#include <stdexcept>

namespace postern::test {
namespace {

std::atomic<long> g_serial{1};

EVP_PKEY* new_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  if (!k) throw std::runtime_error("EVP_EC_gen failed");
  return k;
}

std::string to_pem(X509* x) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(b, x);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}

std::string key_to_pem(EVP_PKEY* k) {
  BIO* b = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(b, k, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(b);
  return out;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid failed");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* make_cert(const std::string& cn, EVP_PKEY* key, X509* issuer, int64_t nb, int64_t na) {
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), g_serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(nb));
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(na));
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                             -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  return x;
}

}  // namespace

TestCa::TestCa(const std::string& common_name) {
  EVP_PKEY* k = new_key();
  X509* x = make_cert(common_name, k, nullptr, -86400, 30 * 86400);
  add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(x, x, NID_subject_key_identifier, "hash");
  if (!X509_sign(x, k, EVP_sha256())) throw std::runtime_error("X509_sign failed");
  key_ = k;
  cert_ = x;
  cert_pem_ = to_pem(x);
}

TestCa::~TestCa() {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
  X509_free(static_cast<X509*>(cert_));
}

std::string TestCa::new_key_pem() {
  EVP_PKEY* k = new_key();
  std::string out = key_to_pem(k);
  EVP_PKEY_free(k);
  return out;
}

TestCert TestCa::issue(const std::vector<std::string>& names, int64_t not_before_s, int64_t not_after_s,
                       const std::string& key_pem) const {
  EVP_PKEY* k = nullptr;
  if (key_pem.empty()) {
    k = new_key();
  } else {
    BIO* b = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
    k = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
    BIO_free(b);
    if (!k) throw std::runtime_error("TestCa::issue: bad key");
  }
  auto* ca = static_cast<X509*>(cert_);
  X509* x = make_cert(names.empty() ? "localhost" : names[0], k, ca, not_before_s, not_after_s);
  std::string san;
  for (const auto& n : names) san += (san.empty() ? "DNS:" : ",DNS:") + n;
  if (!san.empty()) add_ext(x, ca, NID_subject_alt_name, san);
  add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(x, ca, NID_ext_key_usage, "serverAuth");
  add_ext(x, ca, NID_authority_key_identifier, "keyid");
  if (!X509_sign(x, static_cast<EVP_PKEY*>(key_), EVP_sha256())) throw std::runtime_error("X509_sign failed");
  TestCert out{to_pem(x), key_to_pem(k)};
  X509_free(x);
  EVP_PKEY_free(k);
  return out;
}

}  // namespace postern::test
