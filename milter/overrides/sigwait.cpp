// postern-milter's sigwait(). Contract in overrides.h.
#include <dlfcn.h>
#include <signal.h>

#include <cerrno>

namespace {

using SigwaitFn = int (*)(const sigset_t*, int*);

SigwaitFn libc_sigwait() {
  static SigwaitFn fn = reinterpret_cast<SigwaitFn>(dlsym(RTLD_NEXT, "sigwait"));
  return fn;
}

bool only_sighup(const sigset_t& set) {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  for (int s = 1; s < NSIG; ++s) {
    if (sigismember(&set, s) != sigismember(&hup, s)) return false;
  }
  return true;
}

}  // namespace

// The same contract as libc's (0 and *sig, or an error number; EINTR retried), except that a set
// holding SIGHUP among other signals is waited for without SIGHUP, which reaches the
// ReloadWatcher instead of stopping the milter through libmilter's signal thread.
extern "C" int sigwait(const sigset_t* set, int* sig) {
  if (only_sighup(*set)) {
    // Waiting for an empty set would never return: whoever asked for SIGHUP alone gets it.
    SigwaitFn real = libc_sigwait();
    if (real) return real(set, sig);
  }
  sigset_t wanted = *set;
  sigdelset(&wanted, SIGHUP);
  for (;;) {
    int r = sigwaitinfo(&wanted, nullptr);
    if (r > 0) {
      *sig = r;
      return 0;
    }
    if (errno != EINTR) return errno;
  }
}
