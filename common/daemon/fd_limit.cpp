// Implements raise_fd_limit. Contract in fd_limit.h.
#include "common/daemon/fd_limit.h"

#include <sys/resource.h>

#include <algorithm>

namespace postern {

FdLimit raise_fd_limit(uint64_t needed) {
  FdLimit out;
  out.needed = needed;
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return out;
  out.before = out.now = r.rlim_cur;
  out.hard = r.rlim_max;
  rlim_t target = r.rlim_max;
  if (target == RLIM_INFINITY) target = std::max<rlim_t>(r.rlim_cur, needed);
  if (target > r.rlim_cur) {
    rlimit raised = r;
    raised.rlim_cur = target;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) out.now = target;
  }
  return out;
}

}  // namespace postern
