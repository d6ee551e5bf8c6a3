// Implements LmdbStore. Contract in lmdb_store.h.
#include "common/store/lmdb_store.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <vector>

#include "common/core/blocking.h"
#include "common/store/lmdb_verify.h"
#include "common/store/memory_store.h"
#include "common/store/record.h"

namespace postern {
namespace {

constexpr size_t kPurgeBatch = 1000;
constexpr int kMaxRetries = 8;

Error lmdb_error(const std::string& what, int rc) {
  std::string msg = "lmdb " + what + ": " + mdb_strerror(rc);
  // Disk full, I/O and lock problems may pass; a corrupt or foreign file will not.
  if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
      rc == MDB_BAD_VALSIZE) {
    return Error::perm(msg);
  }
  return Error::temp(msg);
}

MDB_val val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view view(const MDB_val& v) { return {static_cast<const char*>(v.mv_data), v.mv_size}; }

// A damaged data file: what to do about it. (An I/O error is returned as it is.)
Error refuse_damaged(Error e) {
  if (e.temporary()) return e;
  e.message +=
      "; the store holds only rebuildable state (greylisting, lockout counters): stop the "
      "Postern daemons and Dovecot, then run `posternctl store reset --yes` to move the damaged "
      "files aside and start afresh (`posternctl store verify` says what is wrong)";
  return e;
}

struct TxnGuard {
  MDB_txn* txn = nullptr;
  ~TxnGuard() {
    if (txn) mdb_txn_abort(txn);
  }
};

}  // namespace

LmdbStore::LmdbStore(const Clock& clock, std::string path, size_t max_map_bytes)
    : clock_(clock), path_(std::move(path)), max_map_bytes_(max_map_bytes) {}

Result<std::unique_ptr<LmdbStore>> LmdbStore::open(const StoreConfig& config, const Clock& clock,
                                                   bool background_purge) {
  const std::string& path = config.lmdb_path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    if (::mkdir(path.c_str(), 0770) != 0 && errno != EEXIST) {
      return Error::perm("cannot create store directory " + path + ": " + std::strerror(errno));
    }
  } else if (!std::filesystem::is_directory(path, ec)) {
    return Error::perm("store path " + path + " is not a directory ([store].lmdb_path)");
  }
  // LMDB trusts its file: check it before mapping it (see lmdb_verify.h).
  const std::string data_file = lmdb_data_file(path);
  auto file_check = check_lmdb_file(data_file);
  if (!file_check) return refuse_damaged(file_check.error());
  size_t map_bytes = static_cast<size_t>(config.lmdb_map_size_mb) << 20;
  std::unique_ptr<LmdbStore> s(
      new LmdbStore(clock, path, static_cast<size_t>(config.lmdb_max_map_size_mb) << 20));
  int rc = mdb_env_create(&s->env_);
  if (rc != 0) return lmdb_error("env_create", rc);
  mdb_env_set_maxreaders(s->env_, 256);
  // An existing environment may already be larger than the configured initial size: keep it.
  rc = mdb_env_set_mapsize(s->env_, map_bytes);
  if (rc != 0) return lmdb_error("set_mapsize", rc);
  rc = mdb_env_open(s->env_, path.c_str(), MDB_NOTLS | MDB_NOMETASYNC, 0660);
  if (rc != 0) {
    mdb_env_close(s->env_);
    s->env_ = nullptr;
    auto e = lmdb_error("open " + path, rc);
    if (rc == MDB_INVALID) e.message += " (the file there is not an LMDB database)";
    return e;
  }
  MDB_envinfo info;
  mdb_env_info(s->env_, &info);
  if (info.me_mapsize < map_bytes) mdb_env_set_mapsize(s->env_, map_bytes);
  if (file_check->exists) {
    auto walked = verify_lmdb_env(s->env_, data_file);
    if (!walked) return refuse_damaged(walked.error());
  }
  MDB_txn* txn = nullptr;
  rc = mdb_txn_begin(s->env_, nullptr, 0, &txn);
  if (rc == 0) rc = mdb_dbi_open(txn, nullptr, 0, &s->dbi_);
  if (rc == 0)
    rc = mdb_txn_commit(txn);
  else if (txn)
    mdb_txn_abort(txn);
  if (rc != 0) return lmdb_error("open database", rc);
  if (background_purge) {
    Seconds interval = config.purge_interval;
    s->purger_ = std::thread([raw = s.get(), interval] { raw->purge_loop(interval); });
  }
  return s;
}

LmdbStore::~LmdbStore() {
  {
    MutexLock lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (purger_.joinable()) purger_.join();
  if (env_) mdb_env_close(env_);
}

size_t LmdbStore::map_size() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

Result<void> LmdbStore::grow() {
  WriterLock lock(resize_mu_);
  size_t cur = map_size();
  if (cur >= max_map_bytes_) {
    return Error::perm("lmdb store " + path_ + " is full at " + std::to_string(cur >> 20) +
                       " MiB; raise [store].lmdb_max_map_size_mb");
  }
  size_t next = std::min(cur * 2, max_map_bytes_);
  int rc = mdb_env_set_mapsize(env_, next);
  if (rc != 0) return lmdb_error("grow map", rc);
  return {};
}

template <class Fn>
Result<void> LmdbStore::write_txn(Fn&& fn) {
  std::function<int(MDB_txn*)> f = std::forward<Fn>(fn);
  return grouped_write(f);
}

// Group commit: concurrent writers queue their operations; whoever finds no commit in progress
// runs everything queued in one transaction with one sync, which is what makes LMDB writes cheap
// under load without giving up crash safety. Operations run in queue order, so the outcome is that
// of some serial order. If the shared transaction fails, each operation is retried on its own, so
// every caller gets its own error and no one else's.
Result<void> LmdbStore::grouped_write(const std::function<int(MDB_txn*)>& fn) {
  BlockingScope waits;  // for the group's commit and its sync
  PendingWrite me{&fn, Result<void>(), false};
  MutexLock lock(batch_mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leader_) {
      batch_cv_.wait(lock);
      continue;
    }
    leader_ = true;
    std::vector<PendingWrite*> batch;
    size_t take = std::min(queue_.size(), kMaxBatch);
    batch.assign(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(take));
    lock.unlock();
    commit_batch(batch);
    lock.lock();
    for (auto* w : batch) w->done = true;
    leader_ = false;
    batch_cv_.notify_all();
  }
  return std::move(me.result);
}

void LmdbStore::commit_batch(const std::vector<PendingWrite*>& batch) {
  if (batch.size() > 1) {
    int rc;
    {
      ReaderLock lock(resize_mu_);
      TxnGuard g;
      rc = mdb_txn_begin(env_, nullptr, 0, &g.txn);
      for (size_t i = 0; rc == 0 && i < batch.size(); ++i) rc = (*batch[i]->fn)(g.txn);
      if (rc == 0) {
        rc = mdb_txn_commit(g.txn);
        g.txn = nullptr;
      }
    }
    if (rc == 0) {
      for (auto* w : batch) w->result = Result<void>();
      return;
    }
  }
  for (auto* w : batch) w->result = write_single(*w->fn);
}

Result<void> LmdbStore::write_single(const std::function<int(MDB_txn*)>& fn) {
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    int rc;
    {
      ReaderLock lock(resize_mu_);
      TxnGuard g;
      rc = mdb_txn_begin(env_, nullptr, 0, &g.txn);
      if (rc == 0) {
        rc = fn(g.txn);
        if (rc == 0) {
          rc = mdb_txn_commit(g.txn);
          g.txn = nullptr;
        }
      }
    }
    if (rc == 0) return {};
    if (rc == MDB_MAP_RESIZED) {
      WriterLock lock(resize_mu_);
      mdb_env_set_mapsize(env_, 0);  // adopt the size another process set
      continue;
    }
    if (rc == MDB_MAP_FULL) {
      auto g = grow();
      if (!g) return g.error();
      continue;
    }
    if (rc == MDB_BAD_VALSIZE) return Error::perm("lmdb: key or value too large");
    return lmdb_error("write", rc);
  }
  return Error::temp("lmdb write: too many retries");
}

template <class Fn>
Result<void> LmdbStore::read_txn(Fn&& fn) {
  for (int attempt = 0; attempt < kMaxRetries; ++attempt) {
    int rc;
    {
      ReaderLock lock(resize_mu_);
      TxnGuard g;
      rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &g.txn);
      if (rc == 0) rc = fn(g.txn);
    }
    if (rc == 0) return {};
    if (rc == MDB_MAP_RESIZED) {
      WriterLock lock(resize_mu_);
      mdb_env_set_mapsize(env_, 0);
      continue;
    }
    return lmdb_error("read", rc);
  }
  return Error::temp("lmdb read: too many retries");
}

Result<std::optional<StoreEntry>> LmdbStore::get(std::string_view key) {
  if (auto c = check_store_key(key); !c) return c.error();
  std::optional<StoreEntry> out;
  bool corrupt = false;
  int64_t now = clock_.unix_seconds();
  auto r = read_txn([&](MDB_txn* txn) {
    MDB_val k = val(key), v;
    int rc = mdb_get(txn, dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc != 0) return rc;
    auto rec = decode_record(view(v));
    if (!rec) {
      corrupt = true;
      return 0;
    }
    if (!record_expired(rec->expires_at, now)) {
      out = StoreEntry{std::string(key), std::string(rec->value), rec->expires_at};
    }
    return 0;
  });
  if (!r) return r.error();
  if (corrupt) return Error::perm("lmdb: unreadable record for key (written by another program?)");
  return out;
}

Result<std::vector<std::optional<StoreEntry>>> LmdbStore::get_many(const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    if (auto c = check_store_key(k); !c) return c.error();
  }
  std::vector<std::optional<StoreEntry>> out;
  bool corrupt = false;
  int64_t now = clock_.unix_seconds();
  auto r = read_txn([&](MDB_txn* txn) {
    out.assign(keys.size(), std::nullopt);
    for (size_t i = 0; i < keys.size(); ++i) {
      MDB_val k = val(keys[i]), v;
      int rc = mdb_get(txn, dbi_, &k, &v);
      if (rc == MDB_NOTFOUND) continue;
      if (rc != 0) return rc;
      auto rec = decode_record(view(v));
      if (!rec) {
        corrupt = true;
        return 0;
      }
      if (!record_expired(rec->expires_at, now))
        out[i] = StoreEntry{keys[i], std::string(rec->value), rec->expires_at};
    }
    return 0;
  });
  if (!r) return r.error();
  if (corrupt) return Error::perm("lmdb: unreadable record for key (written by another program?)");
  return out;
}

Result<void> LmdbStore::put(std::string_view key, std::string_view value, Seconds ttl) {
  if (auto c = check_store_key(key); !c) return c.error();
  if (auto c = check_store_value(value); !c) return c.error();
  int64_t expires = ttl.count() > 0 ? clock_.unix_seconds() + ttl.count() : 0;
  std::string rec = encode_record(value, expires);
  return write_txn([&](MDB_txn* txn) {
    MDB_val k = val(key), v = val(rec);
    return mdb_put(txn, dbi_, &k, &v, 0);
  });
}

Result<int64_t> LmdbStore::increment(std::string_view key, int64_t delta, Seconds window) {
  if (auto c = check_store_key(key); !c) return c.error();
  int64_t now = clock_.unix_seconds();
  int64_t result = 0;
  bool not_integer = false;
  auto r = write_txn([&](MDB_txn* txn) {
    not_integer = false;
    MDB_val k = val(key), v;
    int rc = mdb_get(txn, dbi_, &k, &v);
    int64_t expires = window.count() > 0 ? now + window.count() : 0;
    int64_t cur = 0;
    if (rc == 0) {
      auto rec = decode_record(view(v));
      if (rec && !record_expired(rec->expires_at, now)) {
        if (!parse_counter(rec->value, cur)) {
          not_integer = true;
          return 0;  // nothing written; the transaction is committed empty
        }
        expires = rec->expires_at;
      }
    } else if (rc != MDB_NOTFOUND) {
      return rc;
    }
    result = cur + delta;
    std::string enc = encode_record(std::to_string(result), expires);
    MDB_val nv = val(enc);
    return mdb_put(txn, dbi_, &k, &nv, 0);
  });
  if (!r) return r.error();
  if (not_integer) return Error::perm("store key holds a non-integer value");
  return result;
}

Result<std::vector<StoreEntry>> LmdbStore::scan(std::string_view prefix, size_t limit) {
  std::vector<StoreEntry> out;
  int64_t now = clock_.unix_seconds();
  auto r = read_txn([&](MDB_txn* txn) {
    out.clear();
    MDB_cursor* cur = nullptr;
    int rc = mdb_cursor_open(txn, dbi_, &cur);
    if (rc != 0) return rc;
    MDB_val k = val(prefix), v;
    rc = prefix.empty() ? mdb_cursor_get(cur, &k, &v, MDB_FIRST) : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && out.size() < limit) {
      std::string_view key = view(k);
      if (key.substr(0, prefix.size()) != prefix) break;
      auto rec = decode_record(view(v));
      if (rec && !record_expired(rec->expires_at, now)) {
        out.push_back(StoreEntry{std::string(key), std::string(rec->value), rec->expires_at});
      }
      rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : rc;
  });
  if (!r) return r.error();
  return out;
}

Result<bool> LmdbStore::remove(std::string_view key) {
  if (auto c = check_store_key(key); !c) return c.error();
  bool removed = false;
  int64_t now = clock_.unix_seconds();
  auto r = write_txn([&](MDB_txn* txn) {
    MDB_val k = val(key), v;
    int rc = mdb_get(txn, dbi_, &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc != 0) return rc;
    auto rec = decode_record(view(v));
    removed = rec && !record_expired(rec->expires_at, now);
    return mdb_del(txn, dbi_, &k, nullptr);
  });
  if (!r) return r.error();
  return removed;
}

Result<void> LmdbStore::write_batch(const std::vector<StoreWrite>& writes, int64_t /*now*/) {
  BlockingScope waits;  // a commit and its sync
  for (const auto& w : writes) {
    if (auto c = check_store_key(w.key); !c) return c.error();
    if (auto c = check_store_value(w.value); !c) return c.error();
  }
  std::vector<std::string> records;
  records.reserve(writes.size());
  for (const auto& w : writes)
    records.push_back(w.remove ? std::string() : encode_record(w.value, w.expires_at));
  return write_txn([&](MDB_txn* txn) {
    for (size_t i = 0; i < writes.size(); ++i) {
      MDB_val k = val(writes[i].key);
      int rc;
      if (writes[i].remove) {
        rc = mdb_del(txn, dbi_, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      } else {
        MDB_val v = val(records[i]);
        rc = mdb_put(txn, dbi_, &k, &v, 0);
      }
      if (rc != 0) return rc;
    }
    return 0;
  });
}

Result<size_t> LmdbStore::purge_expired() {
  size_t total = 0;
  int64_t now = clock_.unix_seconds();
  std::string resume;
  while (true) {
    size_t batch = 0;
    bool more = false;
    std::string next_resume;
    auto r = write_txn([&](MDB_txn* txn) {
      batch = 0;
      more = false;
      std::vector<std::string> dead;
      MDB_cursor* cur = nullptr;
      int rc = mdb_cursor_open(txn, dbi_, &cur);
      if (rc != 0) return rc;
      MDB_val k = val(resume), v;
      rc = resume.empty() ? mdb_cursor_get(cur, &k, &v, MDB_FIRST)
                          : mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
      size_t visited = 0;
      while (rc == 0) {
        if (visited++ >= kPurgeBatch * 10 || dead.size() >= kPurgeBatch) {
          next_resume.assign(view(k));
          more = true;
          break;
        }
        auto rec = decode_record(view(v));
        if (rec && record_expired(rec->expires_at, now)) dead.emplace_back(view(k));
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
      }
      mdb_cursor_close(cur);
      if (rc != 0 && rc != MDB_NOTFOUND) return rc;
      for (const auto& key : dead) {
        MDB_val dk = val(key);
        rc = mdb_del(txn, dbi_, &dk, nullptr);
        if (rc != 0 && rc != MDB_NOTFOUND) return rc;
      }
      batch = dead.size();
      return 0;
    });
    if (!r) return r.error();
    total += batch;
    if (!more) break;
    resume = next_resume;
  }
  return total;
}

void LmdbStore::purge_loop(Seconds interval) {
  MutexLock lock(stop_mu_);
  while (!stopping_) {
    // A real-time wait is right here: this is the daemon's housekeeping, not a test.
    const auto until = std::chrono::steady_clock::now() + interval;
    while (!stopping_ && stop_cv_.wait_until(lock, until) == std::cv_status::no_timeout) {
    }
    if (stopping_) break;
    lock.unlock();
    (void)purge_expired();
    lock.lock();
  }
}

}  // namespace postern
