// Implements RedisStore. Contract in redis_store.h.
#include "common/store/redis_store.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <functional>

#include "common/core/blocking.h"
#include "common/store/memory_store.h"
#include "common/store/record.h"

namespace postern {
namespace {

// KEYS[1] key; ARGV: value, expires_at (0 = never), native ttl seconds (0 = none)
const char* kPutScript = R"(
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'e', ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) else redis.call('PERSIST', KEYS[1]) end
return 1
)";

// KEYS[1] key; ARGV: delta, now, window seconds, slack
// Every key's "v" and "e" fields in one round trip (false for a missing field).
const char* kGetManyScript = R"(
local out = {}
for i, k in ipairs(KEYS) do
  local r = redis.call('HMGET', k, 'v', 'e')
  out[i] = {r[1] or false, r[2] or false}
end
return out
)";

const char* kIncrScript = R"(
local now = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local e = tonumber(redis.call('HGET', KEYS[1], 'e'))
local cur = 0
if e ~= nil and (e == 0 or e > now) then
  local v = redis.call('HGET', KEYS[1], 'v')
  if v == false or not string.match(v, '^-?%d+$') then return redis.error_reply('NOTINT') end
  cur = tonumber(v)
else
  if window > 0 then e = now + window else e = 0 end
  redis.call('HSET', KEYS[1], 'e', e)
  if window > 0 then redis.call('EXPIRE', KEYS[1], window + tonumber(ARGV[4])) else redis.call('PERSIST', KEYS[1]) end
end
cur = cur + tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'v', string.format('%d', cur))
return cur
)";

std::string glob_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

struct RedisStore::Reply {
  redisReply* r = nullptr;
  ~Reply() {
    if (r) freeReplyObject(r);
  }
};

class RedisStore::Conn {
 public:
  explicit Conn(redisContext* c) : c_(c) {}
  ~Conn() {
    if (c_) redisFree(c_);
  }
  redisContext* get() { return c_; }

 private:
  redisContext* c_;
};

RedisStore::RedisStore(const StoreConfig& config, const Clock& clock) : config_(config), clock_(clock) {}
RedisStore::~RedisStore() = default;

std::string RedisStore::describe() const {
  if (!config_.redis_socket.empty()) return "redis:unix:" + config_.redis_socket;
  return "redis:" + config_.redis_host + ":" + std::to_string(config_.redis_port);
}

Result<std::unique_ptr<RedisStore::Conn>> RedisStore::acquire() {
  {
    MutexLock lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
    if (clock_.monotonic() < retry_at_)
      return Error::temp(last_connect_error_ + " (reconnecting after a backoff)");
  }
  auto conn = connect();
  MutexLock lock(mu_);
  if (conn) {
    backoff_ = kRedisRetryFirst;
    retry_at_ = MonoTime{};
  } else {
    last_connect_error_ = conn.error().message;
    retry_at_ = clock_.monotonic() + backoff_;
    backoff_ = std::min(backoff_ * 2, kRedisRetryMax);
  }
  return conn;
}

Result<std::unique_ptr<RedisStore::Conn>> RedisStore::connect() {
  auto ms = config_.redis_timeout.count();
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  redisContext* raw = config_.redis_socket.empty()
                          ? redisConnectWithTimeout(config_.redis_host.c_str(), config_.redis_port, tv)
                          : redisConnectUnixWithTimeout(config_.redis_socket.c_str(), tv);
  if (!raw) return Error::temp(describe() + ": cannot allocate a connection");
  auto conn = std::make_unique<Conn>(raw);
  if (raw->err) return Error::temp(describe() + ": " + raw->errstr);
  redisSetTimeout(raw, tv);
  auto simple = [&](std::vector<std::string> argv) -> Result<void> {
    std::vector<const char*> a;
    std::vector<size_t> l;
    for (auto& s : argv) {
      a.push_back(s.data());
      l.push_back(s.size());
    }
    Reply rep;
    rep.r = static_cast<redisReply*>(redisCommandArgv(raw, static_cast<int>(a.size()), a.data(), l.data()));
    if (!rep.r) return Error::temp(describe() + ": " + raw->errstr);
    if (rep.r->type == REDIS_REPLY_ERROR)
      return Error::perm(describe() + ": " + argv[0] + " refused: " + std::string(rep.r->str, rep.r->len));
    return {};
  };
  if (!config_.redis_password.empty()) {
    if (auto r = simple({"AUTH", config_.redis_password}); !r) return r.error();
  }
  if (config_.redis_db != 0) {
    if (auto r = simple({"SELECT", std::to_string(config_.redis_db)}); !r) return r.error();
  }
  return conn;
}

void RedisStore::release(std::unique_ptr<Conn> c) {
  if (!c || c->get()->err) return;
  MutexLock lock(mu_);
  if (idle_.size() < kRedisPoolSize) idle_.push_back(std::move(c));
}

Result<std::shared_ptr<RedisStore::Reply>> RedisStore::command(const std::vector<std::string>& argv) {
  BlockingScope waits;  // a network round trip, up to redis_timeout
  std::vector<const char*> a;
  std::vector<size_t> l;
  for (const auto& s : argv) {
    a.push_back(s.data());
    l.push_back(s.size());
  }
  std::string last_error;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto conn = acquire();
    if (!conn) return conn.error();
    auto rep = std::make_shared<Reply>();
    rep->r = static_cast<redisReply*>(
        redisCommandArgv((*conn)->get(), static_cast<int>(a.size()), a.data(), l.data()));
    if (!rep->r) {
      last_error = (*conn)->get()->errstr;
      continue;  // the broken connection is dropped; retry once on a fresh one
    }
    release(std::move(*conn));
    return rep;
  }
  return Error::temp(describe() + ": " + last_error);
}

Result<std::optional<StoreEntry>> RedisStore::get(std::string_view key) {
  if (auto c = check_store_key(key); !c) return c.error();
  auto rep = command({"HMGET", config_.redis_prefix + std::string(key), "v", "e"});
  if (!rep) return rep.error();
  redisReply* r = (*rep)->r;
  if (r->type == REDIS_REPLY_ERROR) return Error::temp(describe() + ": " + std::string(r->str, r->len));
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) return Error::temp(describe() + ": unexpected reply");
  redisReply* v = r->element[0];
  redisReply* e = r->element[1];
  if (v->type != REDIS_REPLY_STRING || e->type != REDIS_REPLY_STRING) return std::optional<StoreEntry>();
  int64_t expires = 0;
  if (!parse_counter(std::string_view(e->str, e->len), expires)) {
    return Error::perm(describe() + ": unreadable entry (written by another program?)");
  }
  if (record_expired(expires, clock_.unix_seconds())) return std::optional<StoreEntry>();
  return std::optional<StoreEntry>(StoreEntry{std::string(key), std::string(v->str, v->len), expires});
}

Result<std::vector<std::optional<StoreEntry>>> RedisStore::get_many(const std::vector<std::string>& keys) {
  std::vector<std::optional<StoreEntry>> out(keys.size());
  if (keys.empty()) return out;
  std::vector<std::string> argv = {"EVAL", kGetManyScript, std::to_string(keys.size())};
  for (const auto& k : keys) {
    if (auto c = check_store_key(k); !c) return c.error();
    argv.push_back(config_.redis_prefix + k);
  }
  auto rep = command(argv);
  if (!rep) return rep.error();
  redisReply* r = (*rep)->r;
  if (r->type == REDIS_REPLY_ERROR) return Error::temp(describe() + ": " + std::string(r->str, r->len));
  if (r->type != REDIS_REPLY_ARRAY || r->elements != keys.size())
    return Error::temp(describe() + ": unexpected reply");
  const int64_t now = clock_.unix_seconds();
  for (size_t i = 0; i < keys.size(); ++i) {
    redisReply* pair = r->element[i];
    if (pair->type != REDIS_REPLY_ARRAY || pair->elements != 2)
      return Error::temp(describe() + ": unexpected reply");
    redisReply* v = pair->element[0];
    redisReply* e = pair->element[1];
    if (v->type != REDIS_REPLY_STRING || e->type != REDIS_REPLY_STRING) continue;
    int64_t expires = 0;
    if (!parse_counter(std::string_view(e->str, e->len), expires))
      return Error::perm(describe() + ": unreadable entry (written by another program?)");
    if (record_expired(expires, now)) continue;
    out[i] = StoreEntry{keys[i], std::string(v->str, v->len), expires};
  }
  return out;
}

Result<void> RedisStore::put(std::string_view key, std::string_view value, Seconds ttl) {
  if (auto c = check_store_key(key); !c) return c.error();
  if (auto c = check_store_value(value); !c) return c.error();
  int64_t expires = ttl.count() > 0 ? clock_.unix_seconds() + ttl.count() : 0;
  int64_t native = ttl.count() > 0 ? ttl.count() + kNativeExpirySlack : 0;
  auto rep = command({"EVAL", kPutScript, "1", config_.redis_prefix + std::string(key), std::string(value),
                      std::to_string(expires), std::to_string(native)});
  if (!rep) return rep.error();
  if ((*rep)->r->type == REDIS_REPLY_ERROR) {
    return Error::temp(describe() + ": " + std::string((*rep)->r->str, (*rep)->r->len));
  }
  return {};
}

Result<int64_t> RedisStore::increment(std::string_view key, int64_t delta, Seconds window) {
  if (auto c = check_store_key(key); !c) return c.error();
  auto rep = command({"EVAL", kIncrScript, "1", config_.redis_prefix + std::string(key),
                      std::to_string(delta), std::to_string(clock_.unix_seconds()),
                      std::to_string(window.count()), std::to_string(kNativeExpirySlack)});
  if (!rep) return rep.error();
  redisReply* r = (*rep)->r;
  if (r->type == REDIS_REPLY_ERROR) {
    std::string msg(r->str, r->len);
    if (msg.find("NOTINT") != std::string::npos) return Error::perm("store key holds a non-integer value");
    return Error::temp(describe() + ": " + msg);
  }
  if (r->type != REDIS_REPLY_INTEGER) return Error::temp(describe() + ": unexpected reply");
  return static_cast<int64_t>(r->integer);
}

Result<void> RedisStore::for_each_key(std::string_view prefix,
                                      const std::function<Result<bool>(std::string_view)>& fn) {
  std::string pattern = glob_escape(config_.redis_prefix + std::string(prefix)) + "*";
  std::string cursor = "0";
  do {
    auto rep = command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
    if (!rep) return rep.error();
    redisReply* r = (*rep)->r;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
      return Error::temp(describe() + ": unexpected SCAN reply");
    cursor.assign(r->element[0]->str, r->element[0]->len);
    redisReply* list = r->element[1];
    for (size_t i = 0; i < list->elements; ++i) {
      auto go_on = fn(std::string_view(list->element[i]->str, list->element[i]->len));
      if (!go_on) return go_on.error();
      if (!*go_on) return {};
    }
  } while (cursor != "0");
  return {};
}

Result<std::vector<StoreEntry>> RedisStore::scan(std::string_view prefix, size_t limit) {
  std::vector<std::string> keys;
  auto walked = for_each_key(prefix, [&](std::string_view full) -> Result<bool> {
    keys.emplace_back(full.substr(config_.redis_prefix.size()));
    if (keys.size() > 100000)
      return Error::perm(describe() + ": scan matched more than 100000 keys; narrow the prefix");
    return true;
  });
  if (!walked) return walked.error();
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<StoreEntry> out;
  for (const auto& k : keys) {
    if (out.size() >= limit) break;
    auto e = get(k);
    if (!e) return e.error();
    if (*e) out.push_back(std::move(**e));
  }
  return out;
}

Result<bool> RedisStore::remove(std::string_view key) {
  if (auto c = check_store_key(key); !c) return c.error();
  auto live = get(key);
  auto rep = command({"DEL", config_.redis_prefix + std::string(key)});
  if (!rep) return rep.error();
  return live && live->has_value();
}

Result<size_t> RedisStore::purge_expired() {
  // Redis removes expired keys itself (native TTL); this removes the ones that are logically
  // expired but still inside the native slack.
  size_t n = 0;
  int64_t now = clock_.unix_seconds();
  auto walked = for_each_key("", [&](std::string_view key) -> Result<bool> {
    std::string full(key);
    auto e = command({"HGET", full, "e"});
    if (!e || (*e)->r->type != REDIS_REPLY_STRING) return true;
    int64_t expires = 0;
    if (parse_counter(std::string_view((*e)->r->str, (*e)->r->len), expires) &&
        record_expired(expires, now)) {
      auto d = command({"DEL", full});
      if (d && (*d)->r->type == REDIS_REPLY_INTEGER && (*d)->r->integer > 0) ++n;
    }
    return true;
  });
  if (!walked) return walked.error();
  return n;
}

Result<void> RedisStore::ping() {
  auto rep = command({"PING"});
  if (!rep) return rep.error();
  if ((*rep)->r->type == REDIS_REPLY_ERROR) {
    std::string msg((*rep)->r->str, (*rep)->r->len);
    // LOADING: the server is up but still reading its data; anything else (NOAUTH...) is ours.
    if (msg.rfind("LOADING", 0) == 0) return Error::temp(describe() + ": " + msg);
    return Error::perm(describe() + ": PING refused: " + msg);
  }
  return {};
}

}  // namespace postern
