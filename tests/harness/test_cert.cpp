// Implements TestCa. Contract in test_cert.h.
#include "tests/harness/test_cert.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>

namespace postern::test {
namespace {

std::string bio_text(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  std::string s(data, static_cast<size_t>(n));
  BIO_free(b);
  return s;
}

EVP_PKEY* make_key(int rsa_bits) {
  EVP_PKEY* k = rsa_bits > 0 ? EVP_RSA_gen(static_cast<unsigned>(rsa_bits)) : EVP_EC_gen("P-256");
  if (!k) throw std::runtime_error("key generation failed");
  return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("extension failed");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

TestKeyPair make(const TestCertSpec& spec, bool ca, X509* issuer, EVP_PKEY* issuer_key) {
  EVP_PKEY* key = make_key(spec.rsa_bits);
  X509* x = X509_new();
  X509_set_version(x, 2);
  static long serial = 1000;
  ASN1_INTEGER_set(X509_get_serialNumber(x), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(x), static_cast<long>(spec.not_before));
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(spec.not_after));
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(spec.common_name.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  if (ca) {
    add_ext(x, issuer ? issuer : x, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(x, issuer ? issuer : x, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_ext(x, issuer ? issuer : x, NID_basic_constraints, "CA:FALSE");
    std::string san;
    for (const auto& d : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
    if (!san.empty()) add_ext(x, issuer ? issuer : x, NID_subject_alt_name, san);
    add_ext(x, issuer ? issuer : x, NID_ext_key_usage, "serverAuth");
  }
  add_ext(x, issuer ? issuer : x, NID_subject_key_identifier, "hash");
  if (!X509_sign(x, issuer_key ? issuer_key : key, spec.sha1 ? EVP_sha1() : EVP_sha256()))
    throw std::runtime_error("signing failed");
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cb, x);
  BIO* kb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
  TestKeyPair out{bio_text(cb), bio_text(kb)};
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

X509* parse_cert(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return x;
}

EVP_PKEY* parse_key(const std::string& pem) {
  BIO* b = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  return k;
}

}  // namespace

TestCa::TestCa(const std::string& name) {
  TestCertSpec spec;
  spec.common_name = name;
  spec.dns_names = {};
  spec.not_after = 3650L * 86400;
  ca_ = make(spec, true, nullptr, nullptr);
}

TestKeyPair TestCa::issue(const TestCertSpec& spec) const {
  X509* ca = parse_cert(ca_.cert_pem);
  EVP_PKEY* key = parse_key(ca_.key_pem);
  TestKeyPair out = make(spec, false, ca, key);
  X509_free(ca);
  EVP_PKEY_free(key);
  return out;
}

TestKeyPair TestCa::self_signed(const TestCertSpec& spec) { return make(spec, false, nullptr, nullptr); }

}  // namespace postern::test
