// CachingResolver: a thread-safe TTL cache in front of any Resolver. Positive answers live for the
// smallest record TTL (capped by max_ttl); NXDOMAIN/NODATA for their RFC 2308 negative TTL (capped
// by negative_max_ttl; not cached without an SOA); SERVFAIL, timeouts and errors are never cached.
// Ages are measured with the injected Clock, so tests move time instead of sleeping. At most
// max_entries entries and about max_bytes of memory (records are attacker-influenced: TXT answers
// can be large), least recently used evicted first; one answer larger than max_bytes / 16 is not
// cached at all. Misses of one query_all call go to the inner resolver together, so parallel
// lookups stay parallel. Concurrent misses for the same name and type are coalesced: one caller
// asks, the others wait for its result (bounded by their own deadline; if the asker's shorter
// deadline made it time out, a waiter with time left asks itself).
#pragma once

#include <atomic>
#include <list>
#include <memory>
#include <unordered_map>

#include "common/core/clock.h"
#include "common/core/mutex.h"
#include "common/dns/resolver.h"

namespace postern {

inline constexpr size_t kDefaultCacheBytes = 256 * 1024 * 1024;

class CachingResolver final : public Resolver {
 public:
  CachingResolver(std::shared_ptr<Resolver> inner, const Clock& clock, size_t max_entries, Seconds max_ttl,
                  Seconds negative_max_ttl, size_t max_bytes = kDefaultCacheBytes);

  DnsResult query(std::string_view name, RrType type, Deadline deadline) override;
  std::vector<DnsResult> query_all(std::span<const DnsQuery> queries, Deadline deadline) override;

  size_t size() const;
  size_t bytes() const;                               // approximate memory held by the entries
  size_t waiting() const { return waiting_.load(); }  // callers waiting for another's lookup

 private:
  struct Entry {
    DnsResult result;
    MonoTime expires;
    std::list<std::string>::iterator lru;
    size_t bytes = 0;
  };
  // One lookup in progress, shared by every caller that misses on the same key meanwhile.
  struct Flight {
    Mutex mu;
    CondVar cv;
    bool done GUARDED_BY(mu) = false;
    DnsResult result GUARDED_BY(mu);
  };
  void land(const std::string& key, const std::shared_ptr<Flight>& f, const DnsResult& r);
  void erase(std::unordered_map<std::string, Entry>::iterator it) REQUIRES(mu_);
  bool lookup(const std::string& key, DnsResult& out);
  void store(const std::string& key, const DnsResult& r);

  std::shared_ptr<Resolver> inner_;
  const Clock& clock_;
  size_t max_entries_;
  size_t max_bytes_;
  size_t bytes_ GUARDED_BY(mu_) = 0;
  Seconds max_ttl_;
  Seconds negative_max_ttl_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Entry> map_ GUARDED_BY(mu_);
  std::list<std::string> lru_ GUARDED_BY(mu_);  // front = most recently used
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_ GUARDED_BY(mu_);
  std::atomic<size_t> waiting_{0};
};

}  // namespace postern
