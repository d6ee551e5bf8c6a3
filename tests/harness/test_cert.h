// TestCa: a private certificate authority for TLS tests, made with OpenSSL in memory: its own
// root, and leaf certificates it issues with chosen names, validity (relative to the real clock,
// so an expired certificate is one whose notAfter has passed), key type and size, and signature
// hash. Tests write the PEM texts into their TempDir; nothing here touches fixed paths.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace postern::test {

struct TestCertSpec {
  std::string common_name = "mx.postern.test";
  std::vector<std::string> dns_names = {"mx.postern.test"};
  int64_t not_before = -3600;      // seconds from now
  int64_t not_after = 90 * 86400;  // seconds from now (negative: already expired)
  int rsa_bits = 0;                // 0: EC P-256; else an RSA key of this size
  bool sha1 = false;               // sign with SHA-1 instead of SHA-256
};

struct TestKeyPair {
  std::string cert_pem;
  std::string key_pem;
};

class TestCa {
 public:
  explicit TestCa(const std::string& name = "Postern Test CA");
  const std::string& cert_pem() const { return ca_.cert_pem; }
  TestKeyPair issue(const TestCertSpec& spec) const;
  // A certificate signed by its own key (no CA).
  static TestKeyPair self_signed(const TestCertSpec& spec);

 private:
  TestKeyPair ca_;
};

}  // namespace postern::test
