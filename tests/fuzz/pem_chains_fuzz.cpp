// Fuzz target: the PEM chain splitter (tools/posternctl/transport/pem_chains.h). Whatever the
// text, the limits hold, every chain has a certificate that parses as DER, and a chain's key is a
// PEM private key block; splitting the text again gives the same chains.
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tools/posternctl/transport/pem_chains.h"
#include "tools/posternctl/transport/tlsa.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace postern::ctl;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto chains = parse_pem_chains(in);
  if (!chains) return 0;
  if (chains->size() > kMaxPemChains) std::abort();
  for (const auto& c : *chains) {
    if (c.der.empty() || c.der.size() > kMaxChainCertificates) std::abort();
    for (const auto& der : c.der) {
      const auto* p = reinterpret_cast<const unsigned char*>(der.data());
      X509* x = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
      if (!x) std::abort();
      X509_free(x);
    }
    if (!c.key_pem.empty() && c.key_pem.find("PRIVATE KEY-----") == std::string::npos) std::abort();
  }
  auto again = parse_pem_chains(in);
  if (!again || again->size() != chains->size()) std::abort();
  for (size_t i = 0; i < chains->size(); ++i) {
    if ((*again)[i].der != (*chains)[i].der || (*again)[i].key_pem != (*chains)[i].key_pem) std::abort();
  }
  return 0;
}
