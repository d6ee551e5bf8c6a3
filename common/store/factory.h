// make_store: the Store every binary uses, from [store]: LMDB (default) or Redis. Opening checks
// the backend at once (LMDB file, Redis connection and auth) so a daemon can fail clearly at
// start-up instead of at the first request. clock must outlive the store.
#pragma once

#include <memory>

#include "common/config/store_config.h"
#include "common/store/store.h"

namespace postern {

Result<std::unique_ptr<Store>> make_store(const StoreConfig& config, const Clock& clock,
                                          bool background_purge = true);

}  // namespace postern
