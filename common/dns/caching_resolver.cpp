// Implements CachingResolver. Contract in caching_resolver.h.
#include "common/dns/caching_resolver.h"

#include <algorithm>
#include <optional>

#include "common/core/blocking.h"
#include "common/dns/answer.h"

namespace postern {

CachingResolver::CachingResolver(std::shared_ptr<Resolver> inner, const Clock& clock, size_t max_entries,
                                 Seconds max_ttl, Seconds negative_max_ttl, size_t max_bytes)
    : inner_(std::move(inner)),
      clock_(clock),
      max_entries_(max_entries),
      max_bytes_(max_bytes),
      max_ttl_(max_ttl),
      negative_max_ttl_(negative_max_ttl) {}

static std::string cache_key(std::string_view name, RrType type) {
  return normalise_dns_name(name) + "/" + std::to_string(static_cast<int>(type));
}

// Approximate heap and bookkeeping bytes one entry costs.
static size_t entry_bytes(const std::string& key, const DnsResult& r) {
  constexpr size_t kOverhead = 160;  // map node, list node, Entry, DnsResult
  size_t n = kOverhead + 2 * key.size() + r.canonical_name.size() + r.detail.size();
  for (const auto& rec : r.records) n += sizeof(DnsRecord) + rec.text.size();
  return n;
}

void CachingResolver::erase(std::unordered_map<std::string, Entry>::iterator it) {
  bytes_ -= it->second.bytes;
  lru_.erase(it->second.lru);
  map_.erase(it);
}

bool CachingResolver::lookup(const std::string& key, DnsResult& out) {
  MutexLock lock(mu_);
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  if (clock_.monotonic() >= it->second.expires) {
    erase(it);
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
  size_t bytes = entry_bytes(key, r);
  if (bytes > max_bytes_ / 16) return;
  MutexLock lock(mu_);
  MonoTime expires = clock_.monotonic() + Seconds(ttl);
  auto it = map_.find(key);
  if (it != map_.end()) erase(it);
  while (!lru_.empty() && (map_.size() >= max_entries_ || bytes_ + bytes > max_bytes_)) {
    erase(map_.find(lru_.back()));
  }
  lru_.push_front(key);
  map_.emplace(key, Entry{r, expires, lru_.begin(), bytes});
  bytes_ += bytes;
}

DnsResult CachingResolver::query(std::string_view name, RrType type, Deadline deadline) {
  DnsQuery q{std::string(name), type};
  return query_all(std::span<const DnsQuery>(&q, 1), deadline).front();
}

void CachingResolver::land(const std::string& key, const std::shared_ptr<Flight>& f, const DnsResult& r) {
  store(key, r);
  {
    MutexLock lock(mu_);
    auto it = flights_.find(key);
    if (it != flights_.end() && it->second == f) flights_.erase(it);
  }
  {
    MutexLock lock(f->mu);
    f->result = r;
    f->done = true;
  }
  f->cv.notify_all();
}

std::vector<DnsResult> CachingResolver::query_all(std::span<const DnsQuery> queries, Deadline deadline) {
  std::vector<DnsResult> out(queries.size());
  std::vector<std::string> keys(queries.size());
  std::vector<DnsQuery> misses;
  std::vector<std::pair<size_t, std::shared_ptr<Flight>>> owned;    // we ask
  std::vector<std::pair<size_t, std::shared_ptr<Flight>>> waiting;  // someone else asks
  for (size_t i = 0; i < queries.size(); ++i) {
    keys[i] = cache_key(queries[i].name, queries[i].type);
    if (lookup(keys[i], out[i])) continue;
    MutexLock lock(mu_);
    auto [it, inserted] = flights_.try_emplace(keys[i]);
    if (inserted) {
      it->second = std::make_shared<Flight>();
      owned.emplace_back(i, it->second);
      misses.push_back(queries[i]);
    } else {
      waiting.emplace_back(i, it->second);
    }
  }

  // Hits return at once; a miss waits for the network or for another caller's lookup.
  std::optional<BlockingScope> waits;
  if (!owned.empty() || !waiting.empty()) waits.emplace();
  if (!owned.empty()) {
    // Lands every flight we own even if the inner resolver throws, so no waiter is left hanging.
    size_t landed = 0;
    struct Guard {
      CachingResolver* self;
      std::vector<std::pair<size_t, std::shared_ptr<Flight>>>& owned;
      std::vector<std::string>& keys;
      size_t& landed;
      ~Guard() {
        DnsResult failed;
        failed.status = DnsStatus::error;
        failed.detail = "lookup failed";
        for (size_t k = landed; k < owned.size(); ++k)
          self->land(keys[owned[k].first], owned[k].second, failed);
      }
    } guard{this, owned, keys, landed};
    auto fetched = inner_->query_all(misses, deadline);
    for (; landed < owned.size() && landed < fetched.size(); ++landed) {
      size_t i = owned[landed].first;
      land(keys[i], owned[landed].second, fetched[landed]);
      out[i] = std::move(fetched[landed]);
    }
  }

  for (auto& w : waiting) {
    const size_t i = w.first;
    Flight* f = w.second.get();
    bool done = false;
    {
      ++waiting_;
      MutexLock lock(f->mu);
      while (!f->done && f->cv.wait_until(lock, deadline.at()) == std::cv_status::no_timeout) {
      }
      done = f->done;
      if (done) out[i] = f->result;
      --waiting_;
    }
    if (!done) {
      out[i] = DnsResult{};
      out[i].status = DnsStatus::timeout;
      out[i].detail = "deadline passed";
    } else if (out[i].status == DnsStatus::timeout && !deadline.expired()) {
      // The asker gave up earlier than we have to: ask ourselves.
      out[i] = inner_->query(queries[i].name, queries[i].type, deadline);
      store(keys[i], out[i]);
    }
  }
  return out;
}

size_t CachingResolver::bytes() const {
  MutexLock lock(mu_);
  return bytes_;
}

size_t CachingResolver::size() const {
  MutexLock lock(mu_);
  return map_.size();
}

}  // namespace postern
