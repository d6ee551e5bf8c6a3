// Implements OwnershipProvider. Contract in provider.h.
#include "common/sender/provider.h"

#include <sys/stat.h>

#include <sstream>

#include "common/core/file_read.h"
#include "common/sender/sqlite_source.h"

namespace postern {

OwnershipProvider::OwnershipProvider(OwnershipSources sources, const Clock& clock, const Logger* log)
    : sources_(std::move(sources)), clock_(clock), log_(log) {}

std::vector<OwnershipProvider::Stamp> OwnershipProvider::stamps() const {
  std::vector<std::string> paths = sources_.map_files;
  if (!sources_.sqlite_path.empty()) {
    paths.push_back(sources_.sqlite_path);
    paths.push_back(sources_.sqlite_path + "-wal");
  }
  std::vector<Stamp> out;
  for (const auto& p : paths) {
    Stamp s;
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0) {
      s.exists = true;
      s.ino = st.st_ino;
      s.size = static_cast<unsigned long long>(st.st_size);
      s.mtime_ns = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
    }
    out.push_back(s);
  }
  return out;
}

Result<std::shared_ptr<const OwnershipMap>> OwnershipProvider::build() const {
  std::vector<LoginMapEntry> entries;
  std::vector<std::string> warnings;
  for (const auto& path : sources_.map_files) {
    auto text = read_regular_file(path, kMaxLoginMapBytes);
    if (!text) return Error{text.error().kind, "sender map " + text.error().message};
    auto parsed = parse_login_map(*text);
    if (!parsed.errors.empty()) return Error::perm(path + ":" + parsed.errors.front());
    for (auto& e : parsed.entries) entries.push_back(std::move(e));
  }
  if (!sources_.sqlite_path.empty()) {
    auto db = read_sqlite_ownership(sources_.sqlite_path);
    if (!db) return db.error();
    for (auto& e : db->entries) entries.push_back(std::move(e));
    for (auto& w : db->warnings) warnings.push_back(std::move(w));
  }
  auto map = std::make_shared<const OwnershipMap>(entries, sources_.options);
  if (log_) {
    for (const auto& w : warnings) LogLine(*log_, LogLevel::warning, "sender_map").kv("warning", w);
    for (const auto& w : map->warnings()) LogLine(*log_, LogLevel::warning, "sender_map").kv("warning", w);
  }
  return std::shared_ptr<const OwnershipMap>(std::move(map));
}

Result<void> OwnershipProvider::load() {
  MutexLock lock(mu_);
  auto before = stamps();
  auto built = build();
  if (!built) return built.error();
  std::atomic_store(&map_, *built);
  stamps_ = before;
  next_check_ns_ = clock_.monotonic().time_since_epoch().count() +
                   std::chrono::duration_cast<std::chrono::nanoseconds>(sources_.check_interval).count();
  return {};
}

Result<void> OwnershipProvider::reload() {
  MutexLock lock(mu_);
  auto before = stamps();
  auto built = build();
  if (!built) {
    if (log_ && built.error().message != last_error_) {
      LogLine(*log_, LogLevel::error, "sender_map_reload")
          .kv("result", "kept_previous")
          .kv("reason", built.error().message);
    }
    last_error_ = built.error().message;
    stamps_ = before;  // do not retry the same broken content on every message
    return built.error();
  }
  last_error_.clear();
  std::atomic_store(&map_, *built);
  stamps_ = before;
  if (log_)
    LogLine(*log_, LogLevel::info, "sender_map_reload").kv("result", "ok").kv("entries", (*built)->size());
  return {};
}

std::shared_ptr<const OwnershipMap> OwnershipProvider::current() {
  long long now = clock_.monotonic().time_since_epoch().count();
  if (now >= next_check_ns_.load()) {
    next_check_ns_ =
        now + std::chrono::duration_cast<std::chrono::nanoseconds>(sources_.check_interval).count();
    bool changed;
    {
      MutexLock lock(mu_);
      changed = stamps() != stamps_;
    }
    if (changed) (void)reload();
  }
  return std::atomic_load(&map_);
}

}  // namespace postern
