// ReloadThread. Contract in reload_thread.h.
#include "common/daemon/reload_thread.h"

namespace postern {

ReloadThread::ReloadThread(std::function<void()> reload)
    : reload_(std::move(reload)), thread_([this] { run(); }) {}

ReloadThread::~ReloadThread() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void ReloadThread::request() {
  {
    std::lock_guard lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void ReloadThread::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return pending_ || stopping_; });
    if (stopping_) return;
    pending_ = false;
    lock.unlock();
    reload_();
    lock.lock();
  }
}

}  // namespace postern
