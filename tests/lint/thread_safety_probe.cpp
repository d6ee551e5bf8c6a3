// The thread_safety_analysis lint's proof that it can fail (tests/lint/thread_safety.py): a
// member guarded by a Mutex is written without the lock. clang++ -Wthread-safety
// -Werror=thread-safety must reject this file ("requires holding mutex"); it is never built.
#include "common/core/mutex.h"

namespace postern {

class Counter {
 public:
  void locked_add() {
    MutexLock lock(mu_);
    ++n_;
  }
  void unlocked_add() { ++n_; }  // the error the lint must see

 private:
  Mutex mu_;
  int n_ GUARDED_BY(mu_) = 0;
};

}  // namespace postern
