// Implements parse_pem_chains with OpenSSL's PEM reader. Contract in pem_chains.h.
#include "tools/posternctl/transport/pem_chains.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>

#include "tools/posternctl/transport/tlsa.h"

namespace postern::ctl {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
struct OpensslFree {
  void operator()(void* p) const { OPENSSL_free(p); }
};

bool is_private_key(std::string_view name) {
  return name.size() >= 11 && name.substr(name.size() - 11) == "PRIVATE KEY";
}

// One PEM block as text again (for the key), "" on failure.
std::string pem_text(const char* name, const char* header, const unsigned char* data, long len) {
  BioPtr mem(BIO_new(BIO_s_mem()));
  if (!mem || PEM_write_bio(mem.get(), name, header, data, len) <= 0) return "";
  char* p = nullptr;
  long n = BIO_get_mem_data(mem.get(), &p);
  return n > 0 ? std::string(p, static_cast<size_t>(n)) : "";
}

}  // namespace

Result<std::vector<PemChain>> parse_pem_chains(std::string_view text) {
  if (text.size() > INT_MAX) return Error::perm("PEM text too large");
  BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return Error::temp("out of memory");
  std::vector<PemChain> chains;
  PemChain cur;
  auto close = [&]() -> bool {
    if (!cur.der.empty()) {
      if (chains.size() == kMaxPemChains) return false;
      chains.push_back(std::move(cur));
    }
    cur = PemChain{};
    return true;
  };
  for (size_t blocks = 0;; ++blocks) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) break;
    std::unique_ptr<char, OpensslFree> n(name), h(header);
    std::unique_ptr<unsigned char, OpensslFree> d(data);
    if (blocks == kMaxPemBlocks)
      return Error::perm("more than " + std::to_string(kMaxPemBlocks) + " PEM blocks");
    std::string_view kind(name);
    if (is_private_key(kind)) {
      if (!close()) return Error::perm("more than " + std::to_string(kMaxPemChains) + " certificate chains");
      cur.key_pem = pem_text(name, header, data, len);
    } else if (kind == "CERTIFICATE" || kind == "X509 CERTIFICATE") {
      const unsigned char* p = data;
      X509* x = d2i_X509(nullptr, &p, len);
      if (!x) return Error::perm("a CERTIFICATE block is not a certificate");
      X509_free(x);
      if (cur.der.size() == kMaxChainCertificates)
        return Error::perm("more than " + std::to_string(kMaxChainCertificates) + " certificates in a chain");
      cur.der.emplace_back(reinterpret_cast<const char*>(data), static_cast<size_t>(len));
    }
  }
  ERR_clear_error();  // the end of the text is reported as an error by PEM_read_bio
  if (!close()) return Error::perm("more than " + std::to_string(kMaxPemChains) + " certificate chains");
  return chains;
}

}  // namespace postern::ctl
