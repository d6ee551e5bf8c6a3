// DANE TLSA (RFC 6698, RFC 7671, RFC 7672) for SMTP: the "3 1 1" record of a server key (SHA-256
// of the leaf certificate's SubjectPublicKeyInfo, DANE-EE) and the "2 1 1" record of the issuing
// CA's key (DANE-TA), computed from the files an admin has: a PEM certificate chain (leaf first,
// as Postfix's smtpd_tls_chain_files and certbot's fullchain.pem hold it), or for the next
// rollover a private key, public key or certificate signing request. Usages 0 and 1 (PKIX-TA,
// PKIX-EE) are never produced: SMTP clients do not use them (RFC 7672 3.1.3).
// Trusts nothing in the files: they are read with read_regular_file (at most kMaxTlsFileBytes)
// and parsed by OpenSSL; at most kMaxChainCertificates certificates of a chain are looked at.
// parse_tlsa_rdata reads a TLSA record as the resolver renders it (answer.h), untrusted DNS data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::ctl {

inline constexpr size_t kMaxTlsFileBytes = 256 * 1024;
inline constexpr size_t kMaxChainCertificates = 16;
inline constexpr size_t kMaxTlsaDataBytes = 1024;  // larger than any key hash (SHA-512: 64)

enum class TlsaUsage : uint8_t { pkix_ta = 0, pkix_ee = 1, dane_ta = 2, dane_ee = 3 };
enum class TlsaSelector : uint8_t { full_certificate = 0, spki = 1 };
enum class TlsaMatching : uint8_t { full = 0, sha256 = 1, sha512 = 2 };

struct TlsaRecord {
  uint8_t usage = 0;
  uint8_t selector = 0;
  uint8_t matching = 0;
  std::string data_hex;  // lower-case

  // "3 1 1 HEX", as in a zone file.
  std::string rdata() const;
  bool operator==(const TlsaRecord&) const = default;
};

// What one certificate chain gives.
struct ChainKeys {
  std::string leaf_spki_sha256;        // hex
  std::string issuer_spki_sha256;      // hex; "" when the file holds the leaf alone
  std::string key_type;                // "RSA 2048", "EC P-256", "ED25519"
  int64_t not_after = 0;               // the leaf's, unix seconds
  std::vector<std::string> dns_names;  // the leaf's subjectAltName DNS names, lower-case
  std::vector<std::string> der_chain;  // the certificates read, leaf first, DER (for verification)
};

// The chains of a PEM file (pem_chains.h: one, or several each after its private key, as
// smtpd_tls_chain_files allows), leaf first each. Errors name the file.
Result<std::vector<ChainKeys>> read_certificate_chains(const std::string& path);
// The same from DER certificates (a chain served on the wire, leaf first).
Result<ChainKeys> chain_keys_from_der(const std::vector<std::string>& der_chain);

// PKIX validation of a chain (DER, leaf first) for host at time now (unix seconds), as an MTA-STS
// sender validates the MX's certificate (RFC 8461 4.2): against the system's trusted roots, or only
// the CAs in ca_file when it is not empty. The error is OpenSSL's reason ("certificate has
// expired", "hostname mismatch", "unable to get local issuer certificate").
Result<void> verify_chain(const std::vector<std::string>& der_chain, const std::string& host,
                          const std::string& ca_file, int64_t now);

// The SPKI SHA-256 (hex) of the public key in a PEM file holding a private key, a public key, a
// certificate signing request or a certificate. Errors name the file.
Result<std::string> read_key_spki_sha256(const std::string& path);

// "3 1 1 HEX" / "2 1 1 HEX" records for a hash.
TlsaRecord dane_ee_record(std::string hex);
TlsaRecord dane_ta_record(std::string hex);

// "U S M HEX" (decimal fields 0-255, even-length hex of at most kMaxTlsaDataBytes bytes) into a
// record, hex lower-cased.
Result<TlsaRecord> parse_tlsa_rdata(std::string_view text);

// The TLSA owner name for SMTP on port 25 of host: "_25._tcp.HOST".
std::string tlsa_owner(std::string_view mx_host);

// True when host matches name from a certificate (exact, case-insensitive, or "*.rest" matching
// one leftmost label), RFC 6125 6.4.3 as MTA-STS uses it (RFC 8461 4.1).
bool certificate_name_matches(std::string_view name, std::string_view host);

}  // namespace postern::ctl
