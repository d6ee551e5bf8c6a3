// ReloadThread: a reload runs on its own thread (the caller of request() is never held up, however
// long it takes), requests during a reload merge into one more, and destruction waits for a reload
// under way. Synchronised with promises, never with sleeps.
#include "common/daemon/reload_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <thread>

namespace postern {
namespace {

// A reload function that reports each start and then waits until the test lets it finish.
struct GatedReload {
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  int finished = 0;
  int allowed = 0;  // how many reloads may finish
  std::thread::id thread;

  void operator()() {
    std::unique_lock lock(mu);
    ++started;
    thread = std::this_thread::get_id();
    cv.notify_all();
    cv.wait(lock, [&] { return finished < allowed; });
    ++finished;
    cv.notify_all();
  }
  void wait_started(int n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return started >= n; });
  }
  void wait_finished(int n) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return finished >= n; });
  }
  void allow(int n) {
    std::lock_guard lock(mu);
    allowed = n;
    cv.notify_all();
  }
};

TEST(ReloadThread, RequestReturnsWhileAReloadRunsOnItsOwnThread) {
  GatedReload gate;
  ReloadThread reloads([&] { gate(); });
  reloads.request();
  gate.wait_started(1);
  // The reload is blocked; request() from this thread still returns at once.
  reloads.request();
  {
    std::lock_guard lock(gate.mu);
    EXPECT_NE(gate.thread, std::this_thread::get_id());
    EXPECT_EQ(gate.finished, 0);
  }
  gate.allow(2);
  gate.wait_finished(2);
}

TEST(ReloadThread, RequestsDuringAReloadMergeIntoOneMore) {
  GatedReload gate;
  {
    ReloadThread reloads([&] { gate(); });
    reloads.request();
    gate.wait_started(1);
    for (int i = 0; i < 5; ++i) reloads.request();
    gate.allow(1);
    gate.wait_started(2);  // one more reload for the five requests
    gate.allow(10);
    gate.wait_finished(2);
  }  // joined: no further reload can start
  EXPECT_EQ(gate.started, 2);
}

TEST(ReloadThread, DestructionWaitsForTheReloadUnderWay) {
  GatedReload gate;
  auto reloads = std::make_unique<ReloadThread>([&] { gate(); });
  reloads->request();
  gate.wait_started(1);
  auto destroyed = std::async(std::launch::async, [&] { reloads.reset(); });
  EXPECT_EQ(destroyed.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  gate.allow(1);
  destroyed.get();
  EXPECT_EQ(gate.finished, 1);
}

}  // namespace
}  // namespace postern
