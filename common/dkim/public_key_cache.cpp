// Implements PublicKeyCache. Contract in public_key_cache.h.
#include "common/dkim/public_key_cache.h"

namespace postern {

PublicKeyCache::~PublicKeyCache() {
  for (auto& [der, e] : map_) EVP_PKEY_free(e.key);
}

EVP_PKEY* PublicKeyCache::find(std::string_view der) {
  MutexLock lock(mu_);
  auto it = map_.find(der);
  if (it == map_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second.pos);
  EVP_PKEY_up_ref(it->second.key);
  return it->second.key;
}

void PublicKeyCache::insert(std::string_view der, EVP_PKEY* key) {
  if (!key || der.empty() || der.size() > kMaxDerBytes || max_entries_ == 0) return;
  MutexLock lock(mu_);
  if (map_.count(der)) return;  // another thread decoded the same key meanwhile
  if (map_.size() >= max_entries_) {
    auto victim = map_.find(std::string_view(lru_.back()));
    EVP_PKEY_free(victim->second.key);
    map_.erase(victim);
    lru_.pop_back();
  }
  lru_.emplace_front(der);
  EVP_PKEY_up_ref(key);
  map_.emplace(std::string_view(lru_.front()), Entry{key, lru_.begin()});
}

PublicKeyCache::Stats PublicKeyCache::stats() const {
  MutexLock lock(mu_);
  return Stats{hits_, misses_, map_.size()};
}

}  // namespace postern
