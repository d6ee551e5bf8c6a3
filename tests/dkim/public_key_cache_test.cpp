// PublicKeyCache and the d2i_PUBKEY_bio() interposer (linked into this test as into
// postern-milter): libopendkim's key decoding is served from the cache once a key was seen, with
// the same verdicts as without it (pass, tampering, a rotated key, a revoked key); other callers of
// d2i_PUBKEY_bio() are not served from it; the cache is bounded; many threads verifying with one
// cached key agree.
#include "common/dkim/public_key_cache.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/x509.h>

#include <thread>

#include "milter/overrides/overrides.h"
#include "tests/dkim/dkim_test_util.h"

namespace postern::test {
namespace {

std::string der_of(const DkimPrivateKey& k) {
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(k.pkey.get(), &out);
  std::string s(reinterpret_cast<char*>(out), static_cast<size_t>(n));
  OPENSSL_free(out);
  return s;
}

class PublicKeyCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(install_libopendkim_key_cache(&cache));
    dns.add_txt("rsa._domainkey.example.com", rsa->dns_record());
  }
  void TearDown() override { install_libopendkim_key_cache(nullptr); }
  DkimSignPlan plan(std::shared_ptr<const DkimPrivateKey> k) const { return {"example.com", "rsa", k, ""}; }

  PublicKeyCache cache;
  std::shared_ptr<const DkimPrivateKey> rsa =
      std::make_shared<DkimPrivateKey>(make_key(DkimKeyType::rsa, 2048));
  MapResolver dns;
  FakeClock clock;
};

TEST_F(PublicKeyCacheTest, SecondVerificationUsesTheCachedKeyWithTheSameVerdicts) {
  DkimEngine e({}, dns, clock);
  std::string msg = sign_message(e, {plan(rsa)}, kTestMessage) + kTestMessage;
  auto v = verify_message(e, msg);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::pass) << v.signatures[0].reason;
  EXPECT_EQ(cache.stats().misses, 1u);
  EXPECT_EQ(cache.stats().entries, 1u);
  for (int i = 0; i < 3; ++i) {
    v = verify_message(e, msg);
    ASSERT_EQ(v.signatures.size(), 1u);
    EXPECT_EQ(v.signatures[0].result, DkimResult::pass) << v.signatures[0].reason;
    EXPECT_EQ(v.signatures[0].key_bits, 2048);
  }
  EXPECT_EQ(cache.stats().hits, 3u);
  EXPECT_EQ(cache.stats().misses, 1u);
  // A cached key still fails a tampered message.
  std::string tampered = msg;
  tampered.replace(tampered.find("Bob <bob@"), 3, "Eve");
  v = verify_message(e, tampered);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::fail);
  EXPECT_EQ(cache.stats().hits, 4u);
}

TEST_F(PublicKeyCacheTest, RotatedAndRevokedKeysAreNotServedFromTheCache) {
  DkimEngine e({}, dns, clock);
  std::string msg = sign_message(e, {plan(rsa)}, kTestMessage) + kTestMessage;
  EXPECT_EQ(verify_message(e, msg).overall, DkimResult::pass);
  // The record now carries another key: a different DER string, so a miss, and the old signature
  // fails against the new key.
  auto other = std::make_shared<DkimPrivateKey>(make_key(DkimKeyType::rsa, 2048));
  MapResolver rotated;
  rotated.add_txt("rsa._domainkey.example.com", other->dns_record());
  DkimEngine e2({}, rotated, clock);
  auto v = verify_message(e2, msg);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::fail);
  EXPECT_EQ(cache.stats().misses, 2u);
  EXPECT_EQ(cache.stats().hits, 0u);
  // Revoked (empty p=): no key to decode at all.
  MapResolver revoked;
  revoked.add_txt("rsa._domainkey.example.com", "v=DKIM1; k=rsa; p=");
  DkimEngine e3({}, revoked, clock);
  v = verify_message(e3, msg);
  ASSERT_EQ(v.signatures.size(), 1u);
  EXPECT_EQ(v.signatures[0].result, DkimResult::permerror);
  EXPECT_EQ(cache.stats().hits, 0u);
}

TEST_F(PublicKeyCacheTest, OtherCallersDecodeAsBefore) {
  // This test's own call is not libopendkim's: it gets a fresh key, and the cache is not touched.
  std::string der = der_of(*rsa);
  for (int i = 0; i < 2; ++i) {
    BIO* b = BIO_new_mem_buf(der.data(), static_cast<int>(der.size()));
    EVP_PKEY* k = d2i_PUBKEY_bio(b, nullptr);
    BIO_free(b);
    ASSERT_NE(k, nullptr);
    EXPECT_EQ(EVP_PKEY_get_bits(k), 2048);
    EVP_PKEY_free(k);
  }
  BIO* junk = BIO_new_mem_buf("\x30\x03\x01\x02", 4);
  EXPECT_EQ(d2i_PUBKEY_bio(junk, nullptr), nullptr);
  BIO_free(junk);
  EXPECT_EQ(cache.stats().hits + cache.stats().misses, 0u);
}

TEST(PublicKeyCacheBounds, LeastRecentlyUsedIsDroppedAndOversizedIsNotKept) {
  PublicKeyCache c(2);
  std::vector<std::string> ders;
  std::vector<EVP_PKEY*> keys;
  for (int i = 0; i < 3; ++i) {
    auto k = make_key(DkimKeyType::ed25519);
    ders.push_back(der_of(k));
    keys.push_back(k.pkey.get());
    EVP_PKEY_up_ref(keys.back());
  }
  c.insert(ders[0], keys[0]);
  c.insert(ders[1], keys[1]);
  EVP_PKEY* got = c.find(ders[0]);  // 0 is now the most recent
  ASSERT_EQ(got, keys[0]);
  EVP_PKEY_free(got);
  c.insert(ders[2], keys[2]);  // drops 1
  EXPECT_EQ(c.stats().entries, 2u);
  EXPECT_EQ(c.find(ders[1]), nullptr);
  got = c.find(ders[0]);
  EXPECT_EQ(got, keys[0]);
  EVP_PKEY_free(got);
  got = c.find(ders[2]);
  EXPECT_EQ(got, keys[2]);
  EVP_PKEY_free(got);
  c.insert(std::string(PublicKeyCache::kMaxDerBytes + 1, 'x'), keys[1]);
  EXPECT_EQ(c.stats().entries, 2u);
  for (auto* k : keys) EVP_PKEY_free(k);  // the cache holds its own references
}

TEST_F(PublicKeyCacheTest, ManyThreadsShareOneCachedKey) {
  DkimEngine e({}, dns, clock);
  std::string msg = sign_message(e, {plan(rsa)}, kTestMessage) + kTestMessage;
  std::string bad = msg;
  bad.replace(bad.find("Bob <bob@"), 3, "Eve");
  std::atomic<int> pass{0}, fail{0}, wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        bool tampered = (i + t) % 5 == 0;
        auto r = verify_message(e, tampered ? bad : msg).overall;
        if (r == DkimResult::pass && !tampered)
          ++pass;
        else if (r == DkimResult::fail && tampered)
          ++fail;
        else
          ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(pass.load() + fail.load(), 200);
  EXPECT_GE(cache.stats().hits, 190u);
  EXPECT_EQ(cache.stats().entries, 1u);
}

}  // namespace
}  // namespace postern::test
