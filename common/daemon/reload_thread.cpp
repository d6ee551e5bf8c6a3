// ReloadThread. Contract in reload_thread.h.
#include "common/daemon/reload_thread.h"

namespace postern {

ReloadThread::ReloadThread(std::function<void()> reload)
    : reload_(std::move(reload)), thread_([this] { run(); }) {}

ReloadThread::~ReloadThread() {
  {
    MutexLock lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void ReloadThread::request() {
  {
    MutexLock lock(mu_);
    pending_ = true;
  }
  cv_.notify_one();
}

void ReloadThread::run() {
  MutexLock lock(mu_);
  for (;;) {
    while (!pending_ && !stopping_) cv_.wait(lock);
    if (stopping_) return;
    pending_ = false;
    lock.unlock();
    reload_();
    lock.lock();
  }
}

}  // namespace postern
