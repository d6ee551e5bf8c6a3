// ReloadWatcher. Contract in reload.h.
#include "milter/reload.h"

#include <pthread.h>
#include <signal.h>

namespace {

sigset_t hup_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

namespace postern {

void ReloadWatcher::block_signals() {
  // SIGTERM and SIGINT too: a thread that left them unblocked would be killed by them instead of
  // libmilter's signal thread stopping the milter cleanly.
  sigset_t set = hup_set();
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

ReloadWatcher::ReloadWatcher(std::function<void()> on_reload) : on_reload_(std::move(on_reload)) {
  block_signals();
  thread_ = std::thread([this] { run(); });
}

ReloadWatcher::~ReloadWatcher() {
  stopping_ = true;
  pthread_kill(thread_.native_handle(), SIGHUP);  // thread-directed: wakes only the watcher
  thread_.join();
}

void ReloadWatcher::run() {
  sigset_t set = hup_set();
  for (;;) {
    int sig = sigwaitinfo(&set, nullptr);
    if (stopping_) return;
    if (sig == SIGHUP) on_reload_();
  }
}

}  // namespace postern
