// Implements the C bridge of bridge.h over postern::Authenticator: a fixed pool of hashing
// threads, a bounded queue of logins (kMaxQueued; beyond it a login tempfails at once rather than
// growing memory without bound), and an eventfd that wakes Dovecot's event loop when results are
// ready. Worker threads block every signal so Dovecot's signal handling stays on its main thread.
// No C++ exception crosses into Dovecot's C code or ends a worker thread: every extern "C" entry
// point and each login on a worker catches everything and turns it into an error (load, start)
// or a tempfail for that login (submit, the workers), so each cookie still comes back once.
#include "dovecot-plugin/bridge.h"

#include <openssl/crypto.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/auth/authenticator.h"
#include "common/config/config.h"
#include "common/log/factory.h"
#include "common/store/factory.h"

namespace {

constexpr size_t kMaxQueued = 10000;
// A login that waited this long for a hashing thread is tempfailed without hashing: its client
// has likely given up (Dovecot's login processes wait about a minute), and hashing it would only
// make the logins behind it wait longer.
constexpr std::chrono::seconds kMaxQueueWait{30};

struct Job {
  std::string user, password, ip;
  bool has_ip = false;
  void* cookie = nullptr;
  postern::MonoTime queued{};
};

struct Done {
  void* cookie = nullptr;
  postern_auth_status status = POSTERN_AUTH_TEMPFAIL;
  unsigned delay_ms = 0;
  std::string reason;
};

void copy_error(const std::string& msg, char* error, size_t size) {
  if (!error || size == 0) return;
  size_t n = std::min(msg.size(), size - 1);
  std::memcpy(error, msg.data(), n);
  error[n] = '\0';
}

postern_auth_status to_c(postern::AuthStatus s) {
  switch (s) {
    case postern::AuthStatus::ok:
      return POSTERN_AUTH_OK;
    case postern::AuthStatus::mismatch:
      return POSTERN_AUTH_MISMATCH;
    case postern::AuthStatus::unknown_user:
      return POSTERN_AUTH_UNKNOWN_USER;
    case postern::AuthStatus::refused:
      return POSTERN_AUTH_REFUSED;
    case postern::AuthStatus::tempfail:
      return POSTERN_AUTH_TEMPFAIL;
  }
  return POSTERN_AUTH_TEMPFAIL;
}

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// Dovecot limits each service's address space (vsz_limit, 256M by default). An LMDB store maps
// lmdb_map_size_mb of it at once, which would fail with a bare ENOMEM: say what to change instead.
std::optional<std::string> address_space_problem(const postern::StoreConfig& store) {
  if (store.backend != postern::StoreBackend::lmdb) return std::nullopt;
  rlimit lim{};
  if (getrlimit(RLIMIT_AS, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) return std::nullopt;
  constexpr uint64_t kHeadroomMb = 192;  // Dovecot, threads' stacks, libraries
  uint64_t limit_mb = static_cast<uint64_t>(lim.rlim_cur) / (1024 * 1024);
  uint64_t need_mb = static_cast<uint64_t>(store.lmdb_map_size_mb) + kHeadroomMb;
  if (limit_mb >= need_mb) return std::nullopt;
  return "the auth process may use " + std::to_string(limit_mb) +
         " MB of address space (Dovecot's vsz_limit), " +
         "too little to map the LMDB store ([store] lmdb_map_size_mb = " +
         std::to_string(store.lmdb_map_size_mb) +
         "): set `service auth { vsz_limit = 4G }` in dovecot.conf (dovecot-postern ships " +
         "conf.d/99-postern.conf with it)";
}

}  // namespace

struct postern_auth {
  postern::Config config;
  postern::SystemClock system_clock;
  const postern::Clock* clock = &system_clock;  // postern_auth_set_clock (tests)
  std::shared_ptr<postern::Logger> log;
  std::unique_ptr<postern::Store> store;
  std::unique_ptr<postern::AccountGuard> guard;  // [account_guard]: the new_network sign
  std::unique_ptr<postern::Authenticator> auth;
  int fd = -1;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Job> queue;
  std::vector<Done> done;
  bool stopping = false;
  std::vector<std::thread> threads;

  // Never throws: a result that cannot be queued (out of memory) is retried by the caller's
  // catch with a reason that needs no allocation beyond the vector slot.
  void post(Done d) {
    {
      std::lock_guard<std::mutex> lock(mu);
      done.push_back(std::move(d));
    }
    uint64_t one = 1;
    ssize_t n = ::write(fd, &one, sizeof(one));
    (void)n;  // an eventfd write only fails when the counter would overflow: it is readable then
  }

  void worker() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (stopping) return;
        job = std::move(queue.front());
        queue.pop_front();
      }
      std::optional<postern::IpAddress> ip;
      if (job.has_ip) {
        if (auto parsed = postern::IpAddress::parse(job.ip)) ip = *parsed;
      }
      Done d;
      d.cookie = job.cookie;
      try {
        auto waited = clock->monotonic() - job.queued;
        if (waited > kMaxQueueWait) {
          d.reason = "waited " + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) +
                     " s for a hashing thread (more logins than [auth].threads keep up with)";
        } else if (!auth) {
          d.reason = "passdb postern is disabled ([auth].enabled = false)";
        } else {
          postern::AuthOutcome o = auth->authenticate(job.user, job.password, ip);
          d.status = to_c(o.status);
          d.delay_ms = static_cast<unsigned>(o.delay.count());
          d.reason = o.reason;
        }
      } catch (const std::exception& e) {
        d = Done{job.cookie, POSTERN_AUTH_TEMPFAIL, 0, std::string("internal error: ") + e.what()};
      } catch (...) {
        d = Done{job.cookie, POSTERN_AUTH_TEMPFAIL, 0, "internal error"};
      }
      wipe(job.password);
      post_or_fail(std::move(d));
    }
  }

  // post(), and when even that fails (out of memory), keeps trying with the shortest answer so
  // the cookie is never lost: Dovecot would wait for it forever.
  void post_or_fail(Done d) {
    void* cookie = d.cookie;
    try {
      post(std::move(d));
      return;
    } catch (...) {
    }
    for (;;) {
      try {
        post(Done{cookie, POSTERN_AUTH_TEMPFAIL, 0, {}});
        return;
      } catch (...) {
        std::this_thread::yield();
      }
    }
  }
};

extern "C" {

struct postern_auth* postern_auth_load(const char* config_path, char* error, size_t error_size) try {
  auto loaded = postern::load_config(config_path ? config_path : "/etc/postern/postern.conf");
  if (!loaded.ok()) {
    std::string msg;
    for (const auto& e : loaded.errors) msg += (msg.empty() ? "" : "; ") + e.str();
    copy_error(msg, error, error_size);
    return nullptr;
  }
  auto a = std::make_unique<postern_auth>();
  a->config = std::move(loaded.config);
  a->log = postern::make_logger(a->config.log, "postern-auth", false);
  return a.release();
} catch (const std::exception& e) {
  copy_error(std::string("internal error: ") + e.what(), error, error_size);
  return nullptr;
} catch (...) {
  copy_error("internal error", error, error_size);
  return nullptr;
}

int postern_auth_start(struct postern_auth* a, char* error, size_t error_size) try {
  const postern::AuthConfig& c = a->config.auth;
  if (c.enabled) {
    std::optional<postern::Error> store_unreachable;
    std::vector<std::unique_ptr<postern::UserSource>> sources;
    if (!c.passwd_file.empty()) sources.push_back(postern::make_passwd_file_source(c.passwd_file, a->log));
    if (!c.sqlite_users.empty()) sources.push_back(postern::make_sqlite_user_source(c.sqlite_users, a->log));
    if (sources.empty()) {
      copy_error(a->config.path + ": [auth] needs passwd_file or sqlite_users", error, error_size);
      return -1;
    }
    if (c.lockout.enabled) {
      if (auto why = address_space_problem(a->config.store)) {
        copy_error(*why, error, error_size);
        return -1;
      }
      // Redis unreachable is no reason to fail: logins get on_store_failure until it reconnects.
      auto opened = postern::open_store(a->config.store, *a->clock);
      if (!opened) {
        copy_error("store: " + opened.error().message, error, error_size);
        return -1;
      }
      a->store = std::move(opened->store);
      store_unreachable = opened->unreachable;
    }
    auto auth = postern::Authenticator::create(c, postern::make_chained_source(std::move(sources)),
                                               a->store.get(), *a->clock, a->log);
    if (!auth) {
      copy_error(auth.error().message, error, error_size);
      return -1;
    }
    a->auth = std::move(*auth);
    if (a->config.account_guard.enabled && a->store && a->auth->lockout()) {
      a->guard = std::make_unique<postern::AccountGuard>(*a->store, *a->clock, a->config.account_guard, a->log);
      a->auth->lockout()->set_guard(a->guard.get());
    }
    if (store_unreachable) a->auth->store_failed(*store_unreachable);
  }
  a->fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (a->fd < 0) {
    copy_error(std::string("eventfd: ") + std::strerror(errno), error, error_size);
    return -1;
  }
  unsigned n =
      c.threads > 0 ? static_cast<unsigned>(c.threads) : std::max(1u, std::thread::hardware_concurrency());
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  try {
    for (unsigned i = 0; i < n; ++i) a->threads.emplace_back([a] { a->worker(); });
  } catch (...) {
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    if (a->threads.empty()) throw;  // with some threads, logins are served, only slower
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  postern::LogLine(*a->log, postern::LogLevel::info, "start")
      .kv("config", a->config.path)
      .kv("threads", n)
      .kv("store", a->store ? a->store->describe() : "none");
  return a->fd;
} catch (const std::exception& e) {
  copy_error(std::string("internal error: ") + e.what(), error, error_size);
  return -1;
} catch (...) {
  copy_error("internal error", error, error_size);
  return -1;
}

void postern_auth_submit(struct postern_auth* a, const char* user, const char* password,
                         const char* remote_ip, void* cookie) {
  Job job;
  const char* refusal = "too many logins queued";
  try {
    job.user = user ? user : "";
    job.password = password ? password : "";
    job.has_ip = remote_ip != nullptr && remote_ip[0] != '\0';
    if (job.has_ip) job.ip = remote_ip;
    job.cookie = cookie;
    job.queued = a->clock->monotonic();
    std::lock_guard<std::mutex> lock(a->mu);
    if (a->queue.size() < kMaxQueued) {
      a->queue.push_back(std::move(job));
      a->cv.notify_one();
      return;
    }
  } catch (...) {
    refusal = "internal error (out of memory?)";
  }
  wipe(job.password);
  a->post_or_fail(Done{cookie, POSTERN_AUTH_TEMPFAIL, 0, refusal});
}

void postern_auth_collect(struct postern_auth* a, postern_auth_done_fn* done) try {
  uint64_t count = 0;
  ssize_t n = ::read(a->fd, &count, sizeof(count));
  (void)n;
  std::vector<Done> ready;  // swapping allocates nothing, so nothing here throws
  {
    std::lock_guard<std::mutex> lock(a->mu);
    ready.swap(a->done);
  }
  for (auto& d : ready) done(d.cookie, d.status, d.delay_ms, d.reason.c_str());
} catch (...) {
  // Nothing above throws; should it ever, the results stay queued for the next wake-up.
}

void postern_auth_free(struct postern_auth* a) try {
  if (!a) return;
  {
    std::lock_guard<std::mutex> lock(a->mu);
    a->stopping = true;
    for (auto& j : a->queue) wipe(j.password);
    a->queue.clear();
  }
  a->cv.notify_all();
  for (auto& t : a->threads) {
    try {
      t.join();
    } catch (...) {  // only if the thread cannot be joined; nothing left to do for it
    }
  }
  if (a->fd >= 0) ::close(a->fd);
  delete a;
} catch (...) {
  // Dovecot is shutting the auth process down; nothing more can be done.
}

}  // extern "C"

void postern_auth_set_clock(struct postern_auth* auth, const postern::Clock* clock) { auth->clock = clock; }
