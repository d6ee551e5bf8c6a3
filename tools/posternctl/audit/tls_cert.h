// Certificate and key facts for the audit, with OpenSSL: a PEM file's certificates (leaf first),
// what a certificate says (validity, key type and size, signature hash, names), whether a
// private key belongs to a certificate, whether a chain verifies to the system's roots (plus an
// optional extra CA file), and the size of DH parameters. The files are the admin's (untrusted):
// at most kMaxCertFileBytes each, at most kMaxChainCerts certificates. Times come from the caller
// (the audit's clock), never from the system clock here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/core/result.h"
#include "tools/posternctl/transport/pem_chains.h"

namespace postern::audit {

inline constexpr size_t kMaxCertFileBytes = 1024 * 1024;
inline constexpr size_t kMaxChainCerts = 16;

struct CertInfo {
  std::string subject_cn;
  std::vector<std::string> dns_names;     // subjectAltName dNSName entries (lower-cased)
  int64_t not_before = 0, not_after = 0;  // unix seconds
  std::string key_type;                   // "RSA", "EC", "ED25519", "ED448", ...
  int key_bits = 0;
  std::string curve;     // "prime256v1" for EC
  std::string sig_hash;  // "SHA256", "SHA1", "MD5", "" for EdDSA
  std::string sha256;    // fingerprint of the DER, hex
};

// The certificates in a PEM file (a key in the same file is skipped), DER each.
Result<std::vector<std::string>> read_pem_certs(const std::string& path);
// The chains of a PEM file (tools/posternctl/transport/pem_chains.h): several when the file holds
// several keys, each followed by its chain (smtpd_tls_chain_files). An error when there is none.
Result<std::vector<ctl::PemChain>> read_pem_chains(const std::string& path);
Result<CertInfo> cert_info(const std::string& der);
// Whether the certificate is valid for name (dNSName SANs, or the CN when there are none; one
// left-most "*" label matches one label).
bool cert_covers_name(const CertInfo& info, const std::string& name);
// Whether the private key in key_path (PEM; the file may also hold certificates) is the key of the
// certificate. An error when the key cannot be read (a passphrase, not a key).
Result<bool> key_matches_cert(const std::string& key_path, const std::string& cert_der);
// The same for a key in PEM text; what names it in the error.
Result<bool> key_pem_matches_cert(const std::string& key_pem, const std::string& what,
                                  const std::string& cert_der);
// Verifies chain (leaf first) to the system's default roots plus, when not empty, the
// certificates of extra_ca_file, at time `at`. The error says why ("certificate has expired",
// "unable to get local issuer certificate").
Result<void> verify_chain(const std::vector<std::string>& chain_der, const std::string& extra_ca_file,
                          int64_t at);
// Bits of the DH parameters in a PEM file.
Result<int> dh_param_bits(const std::string& path);

}  // namespace postern::audit
