// Implements the user sources. Contract in user_source.h.
#include "common/auth/user_source.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include "common/auth/passwd_file.h"
#include "common/core/file_read.h"
#include "common/core/mutex.h"

namespace postern {
namespace {

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = -1;
  int64_t mtime_ns = 0;
  bool operator==(const FileId&) const = default;
};

class PasswdFileSource final : public UserSource {
 public:
  PasswdFileSource(std::string path, std::shared_ptr<Logger> log)
      : path_(std::move(path)), log_(std::move(log)) {}

  Result<std::optional<std::string>> password_of(std::string_view user) override {
    std::shared_ptr<const PasswdFile> snap;
    {
      MutexLock lock(mu_);
      refresh_locked();
      snap = data_;
    }
    if (!snap) return Error::temp("cannot read passwd-file " + path_);
    auto it = snap->passwords.find(std::string(user));
    if (it == snap->passwords.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  std::string describe() const override { return "passwd-file:" + path_; }

 private:
  void refresh_locked() REQUIRES(mu_) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0) {
      complain("cannot stat");
      return;
    }
    FileId id{st.st_dev, st.st_ino, st.st_size,
              static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
    if (data_ && id == id_) return;
    struct stat read_st {};
    auto text = read_regular_file(path_, kMaxPasswdFileSize, &read_st);
    if (!text) {
      complain(text.error().message.c_str());
      return;
    }
    id = FileId{read_st.st_dev, read_st.st_ino, read_st.st_size,
                static_cast<int64_t>(read_st.st_mtim.tv_sec) * 1000000000 + read_st.st_mtim.tv_nsec};
    auto parsed = parse_passwd_file(*text);
    if (!parsed) {
      complain(parsed.error().message.c_str());
      return;
    }
    for (const auto& w : parsed->warnings) {
      if (log_) LogLine(*log_, LogLevel::warning, "passwd_file").kv("file", path_).kv("warning", w);
    }
    if (log_) {
      LogLine(*log_, LogLevel::info, "passwd_file")
          .kv("file", path_)
          .kv("action", data_ ? "reloaded" : "loaded")
          .kv("users", parsed->passwords.size());
    }
    data_ = std::make_shared<const PasswdFile>(std::move(*parsed));
    id_ = id;
    complained_ = false;
  }

  void complain(const char* why) REQUIRES(mu_) {
    if (complained_) return;
    complained_ = true;
    if (log_) {
      LogLine(*log_, LogLevel::error, "passwd_file")
          .kv("file", path_)
          .kv("error", why)
          .kv("action", data_ ? "keeping last good contents" : "logins tempfail");
    }
  }

  std::string path_;
  std::shared_ptr<Logger> log_;
  Mutex mu_;
  std::shared_ptr<const PasswdFile> data_ GUARDED_BY(mu_);
  FileId id_ GUARDED_BY(mu_);
  bool complained_ GUARDED_BY(mu_) = false;
};

class SqliteUserSource final : public UserSource {
 public:
  SqliteUserSource(std::string path, std::shared_ptr<Logger> log)
      : path_(std::move(path)), log_(std::move(log)) {}
  ~SqliteUserSource() override { close_locked(); }

  Result<std::optional<std::string>> password_of(std::string_view user) override {
    if (user.size() > kMaxUserName) return std::optional<std::string>();
    MutexLock lock(mu_);
    if (!stmt_) {
      auto opened = open_locked();
      if (!opened) return opened.error();
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    sqlite3_bind_text(stmt_, 1, user.data(), static_cast<int>(user.size()), SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_DONE) return std::optional<std::string>();
    if (rc != SQLITE_ROW) {
      std::string why = sqlite3_errmsg(db_);
      close_locked();  // reopen next time (the file may have been replaced)
      return Error::temp(path_ + ": " + why);
    }
    const unsigned char* t = sqlite3_column_text(stmt_, 0);
    int n = sqlite3_column_bytes(stmt_, 0);
    std::string pw =
        t ? std::string(reinterpret_cast<const char*>(t), static_cast<size_t>(n)) : std::string();
    sqlite3_reset(stmt_);
    if (pw.empty()) return std::optional<std::string>();
    return std::optional<std::string>(std::move(pw));
  }

  std::string describe() const override { return "sqlite:" + path_; }

 private:
  Result<void> open_locked() REQUIRES(mu_) {
    if (auto regular = check_regular_file(path_); !regular) return Error::temp(regular.error().message);
    int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
      close_locked();
      return Error::temp("cannot open " + path_ + ": " + why);
    }
    sqlite3_busy_timeout(db_, 1000);
    if (sqlite3_prepare_v2(db_, "SELECT password FROM users WHERE email = ?1", -1, &stmt_, nullptr) !=
        SQLITE_OK) {
      std::string why = sqlite3_errmsg(db_);
      close_locked();
      return Error::temp(path_ + ": no usable users table (" + why + ")");
    }
    return {};
  }

  void close_locked() REQUIRES(mu_) {
    if (stmt_) sqlite3_finalize(stmt_);
    if (db_) sqlite3_close_v2(db_);
    stmt_ = nullptr;
    db_ = nullptr;
  }

  std::string path_;
  std::shared_ptr<Logger> log_;
  Mutex mu_;
  sqlite3* db_ GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* stmt_ GUARDED_BY(mu_) = nullptr;
};

class ChainedSource final : public UserSource {
 public:
  explicit ChainedSource(std::vector<std::unique_ptr<UserSource>> s) : sources_(std::move(s)) {}

  Result<std::optional<std::string>> password_of(std::string_view user) override {
    std::optional<Error> first_error;
    for (auto& s : sources_) {
      auto r = s->password_of(user);
      if (!r) {
        if (!first_error) first_error = r.error();
        continue;
      }
      if (*r) return r;
    }
    if (first_error) return *first_error;
    return std::optional<std::string>();
  }

  std::string describe() const override {
    std::string out;
    for (auto& s : sources_) out += (out.empty() ? "" : ",") + s->describe();
    return out;
  }

 private:
  std::vector<std::unique_ptr<UserSource>> sources_;
};

}  // namespace

std::unique_ptr<UserSource> make_passwd_file_source(std::string path, std::shared_ptr<Logger> log) {
  return std::make_unique<PasswdFileSource>(std::move(path), std::move(log));
}
std::unique_ptr<UserSource> make_sqlite_user_source(std::string path, std::shared_ptr<Logger> log) {
  return std::make_unique<SqliteUserSource>(std::move(path), std::move(log));
}
std::unique_ptr<UserSource> make_chained_source(std::vector<std::unique_ptr<UserSource>> sources) {
  return std::make_unique<ChainedSource>(std::move(sources));
}

}  // namespace postern
