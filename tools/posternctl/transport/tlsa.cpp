// Implements the TLSA helpers with OpenSSL. Contract in tlsa.h.
#include "tools/posternctl/transport/tlsa.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

#include "common/core/ascii.h"
#include "common/core/file_read.h"
#include "tools/posternctl/transport/pem_chains.h"

namespace postern::ctl {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct ReqFree {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string hex(const unsigned char* d, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 15]);
  }
  return out;
}

// SHA-256 of the DER SubjectPublicKeyInfo, hex; "" on failure.
std::string spki_sha256(EVP_PKEY* key) {
  if (!key) return "";
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key, &der);
  if (len <= 0) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  bool ok = EVP_Digest(der, static_cast<size_t>(len), md, &md_len, EVP_sha256(), nullptr) == 1;
  OPENSSL_free(der);
  return ok ? hex(md, md_len) : "";
}

std::string key_type(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      return "RSA " + std::to_string(EVP_PKEY_get_bits(key));
    case EVP_PKEY_EC: {
      char group[64] = "";
      size_t n = 0;
      EVP_PKEY_get_group_name(key, group, sizeof group, &n);
      return std::string("EC ") + group;
    }
    case EVP_PKEY_ED25519:
      return "ED25519";
    default:
      return "other";
  }
}

int64_t not_after(const X509* cert) {
  struct tm tm {};
  const ASN1_TIME* t = X509_get0_notAfter(cert);
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::vector<std::string> dns_names(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names) && out.size() < 100; ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type != GEN_DNS) continue;
    const ASN1_IA5STRING* s = n->d.dNSName;
    out.push_back(ascii_lower(std::string_view(reinterpret_cast<const char*>(s->data), s->length)));
  }
  GENERAL_NAMES_free(names);
  return out;
}

Result<ChainKeys> keys_of(std::vector<X509Ptr>& certs, const std::string& what) {
  if (certs.empty()) return Error::perm(what + ": no certificate");
  ChainKeys out;
  EVP_PKEY* leaf_key = X509_get0_pubkey(certs[0].get());
  out.leaf_spki_sha256 = spki_sha256(leaf_key);
  if (out.leaf_spki_sha256.empty()) return Error::perm(what + ": cannot read the certificate's public key");
  out.key_type = key_type(leaf_key);
  out.not_after = not_after(certs[0].get());
  out.dns_names = dns_names(certs[0].get());
  if (certs.size() > 1) out.issuer_spki_sha256 = spki_sha256(X509_get0_pubkey(certs[1].get()));
  for (const auto& c : certs) {
    unsigned char* der = nullptr;
    int n = i2d_X509(c.get(), &der);
    if (n > 0) out.der_chain.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(n));
    OPENSSL_free(der);
  }
  return out;
}

}  // namespace

std::string TlsaRecord::rdata() const {
  return std::to_string(usage) + " " + std::to_string(selector) + " " + std::to_string(matching) + " " +
         data_hex;
}

Result<std::vector<ChainKeys>> read_certificate_chains(const std::string& path) {
  auto text = read_regular_file(path, kMaxTlsFileBytes);
  if (!text) return text.error();
  auto chains = parse_pem_chains(*text);
  if (!chains) return Error::perm(path + ": " + chains.error().message);
  if (chains->empty()) return Error::perm(path + ": no PEM certificate in the file");
  std::vector<ChainKeys> out;
  for (const auto& c : *chains) {
    auto k = chain_keys_from_der(c.der);
    if (!k) return Error::perm(path + ": " + k.error().message);
    out.push_back(std::move(*k));
  }
  return out;
}

Result<ChainKeys> chain_keys_from_der(const std::vector<std::string>& der_chain) {
  std::vector<X509Ptr> certs;
  for (const auto& der : der_chain) {
    if (certs.size() == kMaxChainCertificates) break;
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!x) return Error::perm("served certificate is not DER");
    certs.emplace_back(x);
  }
  return keys_of(certs, "served chain");
}

Result<void> verify_chain(const std::vector<std::string>& der_chain, const std::string& host,
                          const std::string& ca_file, int64_t now) {
  std::vector<X509Ptr> certs;
  for (const auto& der : der_chain) {
    if (certs.size() == kMaxChainCertificates) break;
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    if (!x) return Error::perm("certificate is not DER");
    certs.emplace_back(x);
  }
  if (certs.empty()) return Error::perm("no certificate");
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  if (!store) return Error::temp("out of memory");
  int loaded = ca_file.empty() ? X509_STORE_set_default_paths(store.get())
                               : X509_STORE_load_file(store.get(), ca_file.c_str());
  if (loaded != 1)
    return Error::perm(ca_file.empty() ? "system CA store unreadable" : ca_file + ": no CA certificates");
  struct StackFree {
    void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }  // the certificates stay in certs
  };
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  for (size_t i = 1; i < certs.size(); ++i) sk_X509_push(untrusted.get(), certs[i].get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), certs[0].get(), untrusted.get()) != 1)
    return Error::temp("out of memory");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(now));
  if (X509_verify_cert(ctx.get()) == 1) return {};
  return Error::perm(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
}

Result<std::string> read_key_spki_sha256(const std::string& path) {
  auto text = read_regular_file(path, kMaxTlsFileBytes);
  if (!text) return text.error();
  auto bio = [&] {
    return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text->data(), static_cast<int>(text->size())));
  };
  // No passphrase callback: an encrypted key is an error, never a prompt.
  static pem_password_cb* const kNoPrompt = [](char*, int, int, void*) { return -1; };
  PkeyPtr key(PEM_read_bio_PrivateKey(bio().get(), nullptr, kNoPrompt, nullptr));
  if (!key) key.reset(PEM_read_bio_PUBKEY(bio().get(), nullptr, kNoPrompt, nullptr));
  if (!key) {
    std::unique_ptr<X509_REQ, ReqFree> req(PEM_read_bio_X509_REQ(bio().get(), nullptr, kNoPrompt, nullptr));
    if (req) key.reset(X509_REQ_get_pubkey(req.get()));
  }
  if (!key) {
    X509Ptr cert(PEM_read_bio_X509(bio().get(), nullptr, kNoPrompt, nullptr));
    if (cert) key.reset(X509_get_pubkey(cert.get()));
  }
  if (!key) {
    return Error::perm(path +
                       ": no PEM private key, public key, certificate request or certificate (an "
                       "encrypted key must be decrypted first)");
  }
  std::string h = spki_sha256(key.get());
  if (h.empty()) return Error::perm(path + ": cannot encode the public key");
  return h;
}

TlsaRecord dane_ee_record(std::string hex) { return {3, 1, 1, std::move(hex)}; }
TlsaRecord dane_ta_record(std::string hex) { return {2, 1, 1, std::move(hex)}; }

Result<TlsaRecord> parse_tlsa_rdata(std::string_view text) {
  TlsaRecord r;
  uint8_t* fields[3] = {&r.usage, &r.selector, &r.matching};
  size_t pos = 0;
  for (auto* f : fields) {
    size_t start = pos;
    unsigned v = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 3) {
      v = v * 10 + static_cast<unsigned>(text[pos] - '0');
      ++pos;
    }
    if (pos == start || v > 255 || pos >= text.size() || text[pos] != ' ')
      return Error::perm("malformed TLSA record");
    *f = static_cast<uint8_t>(v);
    ++pos;
  }
  std::string_view data = text.substr(pos);
  if (data.empty() || data.size() % 2 || data.size() > 2 * kMaxTlsaDataBytes)
    return Error::perm("malformed TLSA association data");
  for (char c : data) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
      return Error::perm("malformed TLSA association data");
  }
  r.data_hex = ascii_lower(data);
  return r;
}

std::string tlsa_owner(std::string_view mx_host) { return "_25._tcp." + std::string(mx_host); }

bool certificate_name_matches(std::string_view name, std::string_view host) {
  std::string n = ascii_lower(name), h = ascii_lower(host);
  while (!n.empty() && n.back() == '.') n.pop_back();
  while (!h.empty() && h.back() == '.') h.pop_back();
  if (n.empty() || h.empty()) return false;
  if (n.rfind("*.", 0) == 0) {
    size_t dot = h.find('.');
    return dot != std::string::npos && dot > 0 && h.substr(dot + 1) == n.substr(2) && n.size() > 2;
  }
  return n == h;
}

}  // namespace postern::ctl
