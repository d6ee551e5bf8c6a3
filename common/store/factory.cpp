// Implements make_store. Contract in factory.h.
#include "common/store/factory.h"

#include "common/store/lmdb_store.h"
#include "common/store/redis_store.h"

namespace postern {

Result<std::unique_ptr<Store>> make_store(const StoreConfig& config, const Clock& clock,
                                          bool background_purge) {
  if (config.backend == "redis") {
    auto s = std::make_unique<RedisStore>(config, clock);
    if (auto r = s->ping(); !r) return r.error();
    return std::unique_ptr<Store>(std::move(s));
  }
  auto s = LmdbStore::open(config, clock, background_purge);
  if (!s) return s.error();
  return std::unique_ptr<Store>(std::move(*s));
}

}  // namespace postern
