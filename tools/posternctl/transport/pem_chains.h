// The certificate chains of a PEM file as Postfix's smtpd_tls_chain_files holds them (postconf(5)):
// each private key directly followed by its certificate chain, leaf first, so one file may hold an
// RSA key and chain then an ECDSA key and chain. A private key block starts a new chain; the
// certificates after it are that chain's; certificates before any key make a chain without key (a
// certificate file of its own, as smtpd_tls_cert_file names). parse_pem_chains is a pure function
// over untrusted text (the file is the admin's, but read as data): OpenSSL's PEM reader decodes the
// blocks; text between blocks is skipped, other block types (DH parameters, ...) are ignored. At
// most kMaxPemChains chains, kMaxChainCertificates certificates each and kMaxPemBlocks blocks are
// looked at; more is an error, as is a CERTIFICATE block that is not a certificate.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::ctl {

inline constexpr size_t kMaxPemChains = 8;
inline constexpr size_t kMaxPemBlocks = 64;

struct PemChain {
  std::string key_pem;           // the private key block that starts the chain (PEM); "" none
  std::vector<std::string> der;  // the certificates, leaf first, DER
};

// The chains with at least one certificate, in file order (a key without certificates is
// dropped). An empty vector when the text holds no certificate.
Result<std::vector<PemChain>> parse_pem_chains(std::string_view text);

}  // namespace postern::ctl
