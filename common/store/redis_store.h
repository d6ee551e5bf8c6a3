// RedisStore: state shared by several hosts through one Redis server (hiredis, synchronous).
// Each key is a hash {v: value, e: expiry unix seconds or 0} under [store].redis_prefix. Expiry is
// judged against the injected Clock (the same semantics as LMDB, so one conformance suite covers
// both) and Redis also expires keys natively (TTL plus kNativeExpirySlack) to reclaim space.
// increment() and put() are Lua scripts, so each is atomic across hosts. Connections come from a
// small pool; a broken connection is dropped and the call retried once on a fresh one. When a new
// connection cannot be made, no other is tried for a backoff (kRedisRetryFirst, doubling up to
// kRedisRetryMax, measured on the injected Clock's monotonic time): calls in between fail at once
// with the last error, and the first call after it reconnects. So an unreachable server costs one
// connect timeout per backoff, not one per call, and a server that comes back is used again.
// Every failure is an Error naming the server, returned within about two redis_timeouts: temporary,
// except a refusal of AUTH or SELECT (a wrong password or db: permanent, retrying will not help).
// Commands are built with redisCommandArgv, never by string formatting. Thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/core/mutex.h"
#include "common/store/store.h"
#include "common/store/store_config.h"

struct redisContext;

namespace postern {

inline constexpr int64_t kNativeExpirySlack = 60;
inline constexpr size_t kRedisPoolSize = 16;
inline constexpr Millis kRedisRetryFirst{1000};
inline constexpr Millis kRedisRetryMax{16000};

class RedisStore final : public Store {
 public:
  RedisStore(const StoreConfig& config, const Clock& clock);
  ~RedisStore() override;

  // One round trip, for a clear error at start-up: temporary when the server cannot be reached
  // (or is loading its data), permanent when it answers but refuses (password, db, NOAUTH).
  Result<void> ping();

  Result<std::optional<StoreEntry>> get(std::string_view key) override;
  Result<std::vector<std::optional<StoreEntry>>> get_many(const std::vector<std::string>& keys) override;
  Result<void> put(std::string_view key, std::string_view value, Seconds ttl) override;
  Result<int64_t> increment(std::string_view key, int64_t delta, Seconds window) override;
  Result<std::vector<StoreEntry>> scan(std::string_view prefix, size_t limit) override;
  Result<bool> remove(std::string_view key) override;
  Result<size_t> purge_expired() override;
  std::string describe() const override;

 private:
  struct Reply;
  class Conn;
  // A pooled connection, or a new one unless inside the reconnect backoff.
  Result<std::unique_ptr<Conn>> acquire();
  Result<std::unique_ptr<Conn>> connect();  // a new connection, authenticated, db selected
  void release(std::unique_ptr<Conn> c);
  // Runs one command (argv) with a retry on a fresh connection when the first one is broken.
  Result<std::shared_ptr<Reply>> command(const std::vector<std::string>& argv);
  // Calls fn with every key (prefix included) under redis_prefix + prefix, as SCAN returns them;
  // fn returns false to stop early.
  Result<void> for_each_key(std::string_view prefix, const std::function<Result<bool>(std::string_view)>& fn);

  StoreConfig config_;
  const Clock& clock_;
  Mutex mu_;
  std::vector<std::unique_ptr<Conn>> idle_ GUARDED_BY(mu_);
  // Reconnect backoff: no new connection is tried before retry_at_.
  MonoTime retry_at_ GUARDED_BY(mu_){};
  Millis backoff_ GUARDED_BY(mu_) = kRedisRetryFirst;
  std::string last_connect_error_ GUARDED_BY(mu_);
};

}  // namespace postern
