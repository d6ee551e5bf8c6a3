// Implements open_store and make_store. Contract in factory.h.
#include "common/store/factory.h"

#include "common/store/lmdb_store.h"
#include "common/store/redis_store.h"

namespace postern {

Result<OpenedStore> open_store(const StoreConfig& config, const Clock& clock, bool background_purge) {
  OpenedStore out;
  if (config.backend == StoreBackend::redis) {
    auto s = std::make_unique<RedisStore>(config, clock);
    if (auto r = s->ping(); !r) {
      if (!r.error().temporary()) return r.error();
      out.unreachable = r.error();
    }
    out.store = std::move(s);
    return out;
  }
  auto s = LmdbStore::open(config, clock, background_purge);
  if (!s) return s.error();
  out.store = std::move(*s);
  return out;
}

Result<std::unique_ptr<Store>> make_store(const StoreConfig& config, const Clock& clock,
                                          bool background_purge) {
  auto opened = open_store(config, clock, background_purge);
  if (!opened) return opened.error();
  if (opened->unreachable) return *opened->unreachable;
  return std::move(opened->store);
}

}  // namespace postern
