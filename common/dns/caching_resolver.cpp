// Implements CachingResolver. Contract in caching_resolver.h.
#include "common/dns/caching_resolver.h"

#include <algorithm>

#include "common/dns/answer.h"

namespace postern {

CachingResolver::CachingResolver(std::shared_ptr<Resolver> inner, const Clock& clock, size_t max_entries,
                                 Seconds max_ttl, Seconds negative_max_ttl)
    : inner_(std::move(inner)),
      clock_(clock),
      max_entries_(max_entries),
      max_ttl_(max_ttl),
      negative_max_ttl_(negative_max_ttl) {}

static std::string cache_key(std::string_view name, RrType type) {
  return normalise_dns_name(name) + "/" + std::to_string(static_cast<int>(type));
}

bool CachingResolver::lookup(const std::string& key, DnsResult& out) {
  std::lock_guard lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  if (clock_.monotonic() >= it->second.expires) {
    lru_.erase(it->second.lru);
    map_.erase(it);
    return false;
  }
  lru_.splice(lru_.begin(), lru_, it->second.lru);
  out = it->second.result;
  return true;
}

void CachingResolver::store(const std::string& key, const DnsResult& r) {
  if (max_entries_ == 0) return;
  int64_t ttl = 0;
  if (r.status == DnsStatus::answer) {
    uint32_t m = UINT32_MAX;
    for (const auto& rec : r.records) m = std::min(m, rec.ttl);
    ttl = std::min<int64_t>(m, max_ttl_.count());
  } else if (r.status == DnsStatus::nxdomain || r.status == DnsStatus::nodata) {
    ttl = std::min<int64_t>(r.negative_ttl, negative_max_ttl_.count());
  }
  if (ttl <= 0) return;
  std::lock_guard lock(mu_);
  MonoTime expires = clock_.monotonic() + Seconds(ttl);
  auto it = map_.find(key);
  if (it != map_.end()) {
    it->second.result = r;
    it->second.expires = expires;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return;
  }
  while (map_.size() >= max_entries_ && !lru_.empty()) {
    map_.erase(lru_.back());
    lru_.pop_back();
  }
  lru_.push_front(key);
  map_.emplace(key, Entry{r, expires, lru_.begin()});
}

DnsResult CachingResolver::query(std::string_view name, RrType type, Deadline deadline) {
  DnsQuery q{std::string(name), type};
  return query_all(std::span<const DnsQuery>(&q, 1), deadline).front();
}

std::vector<DnsResult> CachingResolver::query_all(std::span<const DnsQuery> queries, Deadline deadline) {
  std::vector<DnsResult> out(queries.size());
  std::vector<DnsQuery> misses;
  std::vector<size_t> miss_index;
  std::vector<std::string> keys(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    keys[i] = cache_key(queries[i].name, queries[i].type);
    if (!lookup(keys[i], out[i])) {
      misses.push_back(queries[i]);
      miss_index.push_back(i);
    }
  }
  if (!misses.empty()) {
    auto fetched = inner_->query_all(misses, deadline);
    for (size_t k = 0; k < fetched.size() && k < miss_index.size(); ++k) {
      store(keys[miss_index[k]], fetched[k]);
      out[miss_index[k]] = std::move(fetched[k]);
    }
  }
  return out;
}

size_t CachingResolver::size() const {
  std::lock_guard lock(mu_);
  return map_.size();
}

}  // namespace postern
