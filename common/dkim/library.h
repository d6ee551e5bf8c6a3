// libopendkim inside Postern: the include shim, the engine's pool of library handles and the lease a
// verifying session holds. Only dkim.cpp, library.cpp and verify_session.cpp include this; nothing
// outside common/dkim sees libopendkim.
//
// libopendkim details relied on (2.11): key retrieval goes through the key-lookup callback only (we
// never answer DKIM_CBSTAT_DEFAULT, which would make it use the system resolver); the prescreen
// callback runs before any DNS query. Expiry (x=) and future timestamps (t=) are checked in
// verify_session.cpp with the injected clock (libopendkim would use time(2)), so its clock drift is
// set to kLibDriftSeconds, which disables its own checks. Each verifying session holds one library
// handle from the pool (created on demand, one per concurrent session). Thread-safe: the pool's
// lists are guarded by its mutex.
#pragma once

// libopendkim's header uses C99 _Bool, which C++ spells bool (same size and ABI).
#define _Bool bool
#include <opendkim/dkim.h>
#undef _Bool

#include <cstdint>
#include <vector>

#include "common/core/mutex.h"
#include "common/dkim/dkim.h"

namespace postern {

// libopendkim's own expiry / future checks use time(2) and this drift: about 31 years, so they only
// fire for timestamps no real signature has (x= before 1995, t= before 2001 or after 2080, where
// its unsigned arithmetic wraps); those are permerror. The real checks use the injected clock.
inline constexpr uint64_t kLibDriftSeconds = 1000000000ull;

// The library callbacks, defined in verify_session.cpp; the user context is the session's Impl.
DKIM_CBSTAT prescreen_cb(DKIM* dkim, DKIM_SIGINFO** sigs, int nsigs);
DKIM_CBSTAT key_lookup_cb(DKIM* dkim, DKIM_SIGINFO* sig, u_char* buf, size_t buflen);

struct DkimEngine::Pool {
  Mutex mu;
  std::vector<DKIM_LIB*> free_libs GUARDED_BY(mu);
  std::vector<DKIM_LIB*> all GUARDED_BY(mu);  // closed by the destructor
  const DkimOptions* opts = nullptr;
  bool ed25519 = false;

  ~Pool() {
    for (DKIM_LIB* l : all) dkim_close(l);
  }

  DKIM_LIB* make();
  DKIM_LIB* acquire() {
    DKIM_LIB* lib = nullptr;
    {
      MutexLock g(mu);
      if (!free_libs.empty()) {
        lib = free_libs.back();
        free_libs.pop_back();
      }
    }
    if (!lib) {
      lib = make();
      if (!lib) return nullptr;
      MutexLock g(mu);
      all.push_back(lib);
    }
    return lib;
  }
  void release(DKIM_LIB* lib) {
    MutexLock g(mu);
    free_libs.push_back(lib);
  }
};

// Holds one pooled library handle for the life of a session.
class DkimLease {
 public:
  DkimLease(DkimEngine::Pool* pool, DKIM_LIB* lib) : pool_(pool), lib_(lib) {}
  ~DkimLease() {
    if (lib_) pool_->release(lib_);
  }
  DkimLease(const DkimLease&) = delete;
  DkimLease& operator=(const DkimLease&) = delete;
  DKIM_LIB* get() const { return lib_; }

 private:
  DkimEngine::Pool* pool_;
  DKIM_LIB* lib_;
};

}  // namespace postern
