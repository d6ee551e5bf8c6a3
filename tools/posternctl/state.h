// Helpers for posternctl commands: the configured store and resolver, time formatting.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/core/clock.h"
#include "common/dns/resolver.h"
#include "common/store/store.h"
#include "tools/posternctl/command.h"

namespace postern::ctl {

// The largest --limit of the list commands: what one listing may hold in memory.
inline constexpr uint64_t kMaxListLimit = 1000000;

// Opens the store of the loaded config without background purging. On failure prints why and
// sets rc (kExitConfig for a bad config, 1 for a store error).
std::unique_ptr<Store> open_store(Context& ctx, const Clock& clock, int& rc);
// The resolver of c's [dns] (with --dns applied by Context). On failure prints why, sets rc to
// kExitConfig and returns null.
std::shared_ptr<Resolver> open_resolver(const Config& c, const Clock& clock, int& rc);
// For debug commands that need no state: the config named by -c, or the default file when it is
// readable; otherwise built-in defaults (with --dns applied) in fallback. nullptr on config errors.
const Config* optional_config(Context& ctx, Config& fallback);
// "2026-01-01T00:00:00Z", or "never" for 0.
std::string format_time(int64_t unix_seconds);

}  // namespace postern::ctl
