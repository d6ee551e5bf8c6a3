// open_store / make_store: the Store every binary uses, from [store]: LMDB (default) or Redis.
// Opening checks the backend at once (LMDB file, Redis connection and auth) so a problem shows at
// start-up instead of at the first request.
// open_store is for the daemons: a Redis server that cannot be reached is not an error there; the
// store is returned with the reason in `unreachable`, every call fails with a temporary error
// (the components' store-failure outcomes apply) and the store reconnects by itself on a later
// call (RedisStore's backoff). A Redis server that answers but refuses (password, db) is an error.
// make_store is for one-shot commands (posternctl): unreachable is an error too.
// clock must outlive the store.
#pragma once

#include <memory>
#include <optional>

#include "common/store/store.h"
#include "common/store/store_config.h"

namespace postern {

struct OpenedStore {
  std::unique_ptr<Store> store;
  std::optional<Error> unreachable;  // Redis only: why the server could not be reached at start
};

Result<OpenedStore> open_store(const StoreConfig& config, const Clock& clock, bool background_purge = true);

Result<std::unique_ptr<Store>> make_store(const StoreConfig& config, const Clock& clock,
                                          bool background_purge = true);

}  // namespace postern
