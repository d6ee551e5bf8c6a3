// PublicKeyCache: parsed DKIM public keys, keyed by their exact DER bytes (the p= tag after
// base64), so a key seen before is not decoded again. OpenSSL 3's decoder framework makes
// d2i_PUBKEY cost far more than the RSA-2048 verification itself; libopendkim decodes the key of
// every signature it verifies. Serving an identical DER string from the cache gives an identical
// key: nothing about freshness changes, the key record is still looked up (through the resolver
// and its TTL-bound cache) for every signature, and a revoked or rotated key is a different
// record. Bounded: at most kMaxEntries keys (least recently used dropped) of at most
// kMaxDerBytes each. Thread-safe. Keys handed out are shared and must only be read.
//
// postern-milter makes libopendkim's d2i_PUBKEY_bio() calls use one (milter/overrides/overrides.h,
// install_libopendkim_key_cache); other callers of d2i_PUBKEY_bio in the process are unaffected.
#pragma once

#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/core/mutex.h"

namespace postern {

class PublicKeyCache {
 public:
  static constexpr size_t kMaxEntries = 1024;
  static constexpr size_t kMaxDerBytes = 2048;  // an RSA-8192 SubjectPublicKeyInfo is ~1.1 KB

  explicit PublicKeyCache(size_t max_entries = kMaxEntries) : max_entries_(max_entries) {}
  ~PublicKeyCache();
  PublicKeyCache(const PublicKeyCache&) = delete;
  PublicKeyCache& operator=(const PublicKeyCache&) = delete;

  // The cached key for der with one more reference (the caller frees it with EVP_PKEY_free), or
  // nullptr when der is not cached.
  EVP_PKEY* find(std::string_view der);
  // Caches key (taking one new reference of its own) under der. Oversized der is not cached.
  void insert(std::string_view der, EVP_PKEY* key);

  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    size_t entries = 0;
  };
  Stats stats() const;

 private:
  using Lru = std::list<std::string>;
  struct Entry {
    EVP_PKEY* key;
    Lru::iterator pos;
  };
  const size_t max_entries_;
  mutable Mutex mu_;
  Lru lru_ GUARDED_BY(mu_);                                          // most recently used first
  std::unordered_map<std::string_view, Entry> map_ GUARDED_BY(mu_);  // views into lru_'s strings
  uint64_t hits_ GUARDED_BY(mu_) = 0;
  uint64_t misses_ GUARDED_BY(mu_) = 0;
};

}  // namespace postern
