// Mutex, SharedMutex and their scoped locks, annotated for clang's -Wthread-safety analysis
// (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html), with the annotation macros: a member
// marked GUARDED_BY(mu_) may be read or written only with mu_ held, a function marked
// REQUIRES(mu_) only be called with it held, EXCLUDES(mu_) only without. g++ ignores the
// attributes; the lint ctest thread_safety_analysis (tests/lint/) runs clang over the sources that
// use them and fails on any warning, and proves on tests/lint/thread_safety_probe.cpp that an
// unlocked access is rejected. Condition variables wait through CondVar on a MutexLock; write the
// wait as a loop (`while (!ready_) cv_.wait(lock);`) so the analysis sees the guarded reads under
// the lock (a predicate lambda is analysed as a function of its own, without the lock).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#if defined(__clang__)
#define POSTERN_TSA(x) __attribute__((x))
#else
#define POSTERN_TSA(x)
#endif

#define CAPABILITY(x) POSTERN_TSA(capability(x))
#define SCOPED_CAPABILITY POSTERN_TSA(scoped_lockable)
#define GUARDED_BY(x) POSTERN_TSA(guarded_by(x))
#define PT_GUARDED_BY(x) POSTERN_TSA(pt_guarded_by(x))
#define REQUIRES(...) POSTERN_TSA(requires_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) POSTERN_TSA(requires_shared_capability(__VA_ARGS__))
#define ACQUIRE(...) POSTERN_TSA(acquire_capability(__VA_ARGS__))
#define ACQUIRE_SHARED(...) POSTERN_TSA(acquire_shared_capability(__VA_ARGS__))
#define RELEASE(...) POSTERN_TSA(release_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) POSTERN_TSA(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) POSTERN_TSA(release_generic_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) POSTERN_TSA(try_acquire_capability(__VA_ARGS__))
#define EXCLUDES(...) POSTERN_TSA(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS POSTERN_TSA(no_thread_safety_analysis)

namespace postern {

class CAPABILITY("mutex") Mutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  bool try_lock() TRY_ACQUIRE(true) { return mu_.try_lock(); }
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

// Holds a Mutex for its scope; unlock() and lock() in between (e.g. around a slow call).
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : lock_(mu.native()) {}
  ~MutexLock() RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;
  void lock() ACQUIRE() { lock_.lock(); }
  void unlock() RELEASE() { lock_.unlock(); }
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

// A condition variable for a MutexLock: each wait releases the mutex and holds it again on return.
class CondVar {
 public:
  void wait(MutexLock& lock) { cv_.wait(lock.native()); }
  template <class Rep, class Period>
  std::cv_status wait_for(MutexLock& lock, const std::chrono::duration<Rep, Period>& d) {
    return cv_.wait_for(lock.native(), d);
  }
  template <class C, class D>
  std::cv_status wait_until(MutexLock& lock, const std::chrono::time_point<C, D>& t) {
    return cv_.wait_until(lock.native(), t);
  }
  void notify_one() { cv_.notify_one(); }
  void notify_all() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

// Many readers or one writer.
class CAPABILITY("mutex") SharedMutex {
 public:
  void lock() ACQUIRE() { mu_.lock(); }
  void unlock() RELEASE() { mu_.unlock(); }
  void lock_shared() ACQUIRE_SHARED() { mu_.lock_shared(); }
  void unlock_shared() RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

class SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~WriterLock() RELEASE() { mu_.unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

class SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) ACQUIRE_SHARED(mu) : mu_(mu) { mu_.lock_shared(); }
  ~ReaderLock() RELEASE() { mu_.unlock_shared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

}  // namespace postern
