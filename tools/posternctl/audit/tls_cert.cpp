// Implements the certificate facts. Contract in tls_cert.h.
#include "tools/posternctl/audit/tls_cert.h"

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "common/core/file_read.h"

namespace postern::audit {
namespace {

struct Free {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

Ptr<X509> from_der(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  return Ptr<X509>(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

int64_t asn1_unix(const ASN1_TIME* t) {
  struct tm tm {};
  if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

}  // namespace

Result<std::vector<std::string>> read_pem_certs(const std::string& path) {
  auto text = read_regular_file(path, kMaxCertFileBytes);
  if (!text) return text.error();
  Ptr<BIO> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  std::vector<std::string> out;
  while (out.size() < kMaxChainCerts) {
    Ptr<X509> x(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!x) break;
    unsigned char* der = nullptr;
    int len = i2d_X509(x.get(), &der);
    if (len > 0) out.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
  }
  ERR_clear_error();
  if (out.empty()) return Error::perm(path + ": no certificate in the file");
  return out;
}

Result<std::vector<ctl::PemChain>> read_pem_chains(const std::string& path) {
  auto text = read_regular_file(path, kMaxCertFileBytes);
  if (!text) return text.error();
  auto chains = ctl::parse_pem_chains(*text);
  if (!chains) return Error::perm(path + ": " + chains.error().message);
  if (chains->empty()) return Error::perm(path + ": no certificate in the file");
  return chains;
}

Result<CertInfo> cert_info(const std::string& der) {
  auto x = from_der(der);
  if (!x) return Error::perm("not a certificate");
  CertInfo info;
  char cn[256] = {0};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(x.get()), NID_commonName, cn, sizeof cn) > 0)
    info.subject_cn = lower(cn);
  if (auto* sans =
          static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x.get(), NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(sans, i);
      if (g->type != GEN_DNS) continue;
      const ASN1_IA5STRING* s = g->d.dNSName;
      info.dns_names.push_back(lower(std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                                 static_cast<size_t>(ASN1_STRING_length(s)))));
    }
    GENERAL_NAMES_free(sans);
  }
  info.not_before = asn1_unix(X509_get0_notBefore(x.get()));
  info.not_after = asn1_unix(X509_get0_notAfter(x.get()));
  if (EVP_PKEY* k = X509_get0_pubkey(x.get())) {
    info.key_bits = EVP_PKEY_get_bits(k);
    const char* t = EVP_PKEY_get0_type_name(k);
    info.key_type = t ? t : "";
    char group[64] = {0};
    size_t glen = 0;
    if (EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof group, &glen)) info.curve = group;
  }
  int md_nid = NID_undef, pk_nid = NID_undef;
  if (OBJ_find_sigid_algs(X509_get_signature_nid(x.get()), &md_nid, &pk_nid) && md_nid != NID_undef)
    info.sig_hash = OBJ_nid2sn(md_nid);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  if (X509_digest(x.get(), EVP_sha256(), md, &mdlen)) {
    static const char* kHex = "0123456789abcdef";
    for (unsigned i = 0; i < mdlen; ++i) {
      info.sha256.push_back(kHex[md[i] >> 4]);
      info.sha256.push_back(kHex[md[i] & 15]);
    }
  }
  return info;
}

bool cert_covers_name(const CertInfo& info, const std::string& name_in) {
  std::string name = lower(name_in);
  std::vector<std::string> names = info.dns_names;
  if (names.empty() && !info.subject_cn.empty()) names.push_back(info.subject_cn);
  for (const auto& n : names) {
    if (n == name) return true;
    if (n.size() > 2 && n[0] == '*' && n[1] == '.') {
      size_t dot = name.find('.');
      if (dot != std::string::npos && dot > 0 && name.substr(dot) == n.substr(1)) return true;
    }
  }
  return false;
}

Result<bool> key_matches_cert(const std::string& key_path, const std::string& cert_der) {
  auto text = read_regular_file(key_path, kMaxCertFileBytes);
  if (!text) return text.error();
  return key_pem_matches_cert(*text, key_path, cert_der);
}

Result<bool> key_pem_matches_cert(const std::string& key_pem, const std::string& what,
                                  const std::string& cert_der) {
  Ptr<BIO> bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
  // An empty passphrase callback: an encrypted key is reported, never prompted for.
  auto no_pass = [](char*, int, int, void*) -> int { return 0; };
  Ptr<EVP_PKEY> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_pass, nullptr));
  ERR_clear_error();
  if (!key) return Error::perm(what + ": no readable private key (encrypted, or not a key)");
  auto x = from_der(cert_der);
  if (!x) return Error::perm("not a certificate");
  return X509_check_private_key(x.get(), key.get()) == 1 ? true : (ERR_clear_error(), false);
}

Result<void> verify_chain(const std::vector<std::string>& chain_der, const std::string& extra_ca_file,
                          int64_t at) {
  if (chain_der.empty()) return Error::perm("no certificate");
  Ptr<X509_STORE> store(X509_STORE_new());
  X509_STORE_set_default_paths(store.get());
  if (!extra_ca_file.empty() && X509_STORE_load_file(store.get(), extra_ca_file.c_str()) != 1) {
    ERR_clear_error();
    return Error::perm(extra_ca_file + ": cannot load CA certificates");
  }
  auto leaf = from_der(chain_der[0]);
  if (!leaf) return Error::perm("not a certificate");
  STACK_OF(X509)* rest = sk_X509_new_null();
  for (size_t i = 1; i < chain_der.size(); ++i)
    if (X509* c = from_der(chain_der[i]).release()) sk_X509_push(rest, c);
  Ptr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf.get(), rest);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(at));
  int ok = X509_verify_cert(ctx.get());
  std::string why = ok == 1 ? "" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  ctx.reset();
  sk_X509_pop_free(rest, X509_free);
  ERR_clear_error();
  if (ok != 1) return Error::perm(why);
  return postern::ok();
}

Result<int> dh_param_bits(const std::string& path) {
  auto text = read_regular_file(path, kMaxCertFileBytes);
  if (!text) return text.error();
  Ptr<BIO> bio(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  Ptr<EVP_PKEY> dh(PEM_read_bio_Parameters(bio.get(), nullptr));
  ERR_clear_error();
  if (!dh) return Error::perm(path + ": no DH parameters in the file");
  return EVP_PKEY_get_bits(dh.get());
}

}  // namespace postern::audit
