// CachingResolver: a thread-safe TTL cache in front of any Resolver. Positive answers live for the
// smallest record TTL (capped by max_ttl); NXDOMAIN/NODATA for their RFC 2308 negative TTL (capped
// by negative_max_ttl; not cached without an SOA); SERVFAIL, timeouts and errors are never cached.
// Ages are measured with the injected Clock, so tests move time instead of sleeping. At most
// max_entries entries, least recently used evicted first. Misses of one query_all call go to the
// inner resolver together, so parallel lookups stay parallel.
#pragma once

#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "common/core/clock.h"
#include "common/dns/resolver.h"

namespace postern {

class CachingResolver final : public Resolver {
 public:
  CachingResolver(std::shared_ptr<Resolver> inner, const Clock& clock, size_t max_entries, Seconds max_ttl,
                  Seconds negative_max_ttl);

  DnsResult query(std::string_view name, RrType type, Deadline deadline) override;
  std::vector<DnsResult> query_all(std::span<const DnsQuery> queries, Deadline deadline) override;

  size_t size() const;

 private:
  struct Entry {
    DnsResult result;
    MonoTime expires;
    std::list<std::string>::iterator lru;
  };
  bool lookup(const std::string& key, DnsResult& out);
  void store(const std::string& key, const DnsResult& r);

  std::shared_ptr<Resolver> inner_;
  const Clock& clock_;
  size_t max_entries_;
  Seconds max_ttl_;
  Seconds negative_max_ttl_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> map_;
  std::list<std::string> lru_;  // front = most recently used
};

}  // namespace postern
