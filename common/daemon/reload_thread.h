// ReloadThread: runs a daemon's reload (read and validate the new configuration, build what it
// needs, swap it in) on a thread of its own, so the thread that serves (postern-policyd's accept
// loop) only asks for one and goes on serving: a large configuration or a slow allowlist file
// never holds up new clients. request() never blocks. Requests that arrive while a reload runs are
// merged into one more reload after it (the file may have changed again meanwhile); reloads never
// overlap. The destructor waits for a reload under way, then joins; the reload function must not
// wait for the thread that destroys this object. Trusts its caller; the reload function must not
// throw (an escaping exception ends the process).
#pragma once

#include <functional>
#include <thread>

#include "common/core/mutex.h"

namespace postern {

class ReloadThread {
 public:
  explicit ReloadThread(std::function<void()> reload);
  ~ReloadThread();
  ReloadThread(const ReloadThread&) = delete;
  ReloadThread& operator=(const ReloadThread&) = delete;

  void request();

 private:
  void run();

  std::function<void()> reload_;
  Mutex mu_;
  CondVar cv_;
  bool pending_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // last: started once the members above exist
};

}  // namespace postern
