// SIGHUP re-reads postern-milter's configuration, as it does for the other Postern daemons and as
// systemd's ExecReload expects. libmilter does not allow that by itself: the signal thread it
// starts inside smfi_main() sigwait()s on SIGHUP, SIGTERM and SIGINT and stops the milter on any
// of them (OpenDKIM works around this by reloading on SIGUSR1 instead). So the milter defines the
// process's sigwait() (milter/overrides/, contract in overrides.h): libmilter's call resolves to it
// ahead of libc's, and it waits for the caller's set without SIGHUP. SIGHUP is left to one ReloadWatcher
// thread, which waits for it with sigwaitinfo() and calls on_reload. SIGTERM and SIGINT still stop the milter
// through libmilter. Construct the watcher in main() before any other thread starts (it blocks SIGHUP,
// SIGTERM and SIGINT in the calling thread, and every later thread inherits that; libmilter's thread takes
// SIGTERM and SIGINT once smfi_main() runs); on_reload runs on the watcher's thread, one call at
// a time, and signals that arrive meanwhile are merged into one more call.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

namespace postern {

class ReloadWatcher {
 public:
  // Blocks SIGHUP, SIGTERM and SIGINT in the calling thread (and so in every thread it starts
  // later); main() calls it first, so a signal during the start waits for the watcher (SIGHUP) or
  // for libmilter's signal thread (SIGTERM, SIGINT). The constructor calls it too.
  static void block_signals();
  explicit ReloadWatcher(std::function<void()> on_reload);
  ~ReloadWatcher();  // stops and joins the thread
  ReloadWatcher(const ReloadWatcher&) = delete;
  ReloadWatcher& operator=(const ReloadWatcher&) = delete;

 private:
  void run();
  std::function<void()> on_reload_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace postern
