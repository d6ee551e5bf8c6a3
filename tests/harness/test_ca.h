// TestCa: a certificate authority made at test time with OpenSSL (EC P-256 keys), issuing server
// certificates for given DNS names with chosen validity (so a test can have an expired one) and
// optionally an existing key (so a renewal can keep or change the key). Files are written by the
// caller (TempDir). Trusts its callers; throws std::runtime_error if OpenSSL fails.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace postern::test {

struct TestCert {
  std::string cert_pem;  // the leaf
  std::string key_pem;   // its private key (PKCS#8, unencrypted)
};

class TestCa {
 public:
  explicit TestCa(const std::string& common_name = "Postern Test CA");
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;
  ~TestCa();

  const std::string& cert_pem() const { return cert_pem_; }
  // A leaf for names (the first is also the CN), valid from now + not_before_s to now + not_after_s
  // (seconds, may be negative), with key_pem's key or a new one when key_pem is empty.
  TestCert issue(const std::vector<std::string>& names, int64_t not_before_s = -3600,
                 int64_t not_after_s = 86400, const std::string& key_pem = "") const;
  // A new EC P-256 private key in PEM.
  static std::string new_key_pem();

 private:
  void* key_ = nullptr;   // EVP_PKEY*
  void* cert_ = nullptr;  // X509*
  std::string cert_pem_;
};

}  // namespace postern::test
