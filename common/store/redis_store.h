// RedisStore: state shared by several hosts through one Redis server (hiredis, synchronous).
// Each key is a hash {v: value, e: expiry unix seconds or 0} under [store].redis_prefix. Expiry is
// judged against the injected Clock (the same semantics as LMDB, so one conformance suite covers
// both) and Redis also expires keys natively (TTL plus kNativeExpirySlack) to reclaim space.
// increment() and put() are Lua scripts, so each is atomic across hosts. Connections come from a
// small pool; a broken connection is dropped and the call retried once on a fresh one. Every
// failure is a temporary Error naming the server, returned within about two redis_timeouts.
// Commands are built with redisCommandArgv, never by string formatting. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/config/store_config.h"
#include "common/store/store.h"

struct redisContext;

namespace postern {

inline constexpr int64_t kNativeExpirySlack = 60;
inline constexpr size_t kRedisPoolSize = 16;

class RedisStore final : public Store {
 public:
  RedisStore(const StoreConfig& config, const Clock& clock);
  ~RedisStore() override;

  // Connects once to report a clear error at start-up (bad address, auth, db).
  Result<void> ping();

  Result<std::optional<StoreEntry>> get(std::string_view key) override;
  Result<void> put(std::string_view key, std::string_view value, Seconds ttl) override;
  Result<int64_t> increment(std::string_view key, int64_t delta, Seconds window) override;
  Result<std::vector<StoreEntry>> scan(std::string_view prefix, size_t limit) override;
  Result<bool> remove(std::string_view key) override;
  Result<size_t> purge_expired() override;
  std::string describe() const override;

 private:
  struct Reply;
  class Conn;
  Result<std::unique_ptr<Conn>> acquire();
  void release(std::unique_ptr<Conn> c);
  // Runs one command (argv) with a retry on a fresh connection when the first one is broken.
  Result<std::shared_ptr<Reply>> command(const std::vector<std::string>& argv);
  // Calls fn with every key (prefix included) under redis_prefix + prefix, as SCAN returns them;
  // fn returns false to stop early.
  Result<void> for_each_key(std::string_view prefix, const std::function<Result<bool>(std::string_view)>& fn);

  StoreConfig config_;
  const Clock& clock_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_;
};

}  // namespace postern
