// Implements BlockingScope. Contract in blocking.h.
#include "common/core/blocking.h"

namespace postern {
namespace {
thread_local BlockingHook* t_hook = nullptr;
thread_local int t_depth = 0;
}  // namespace

void set_thread_blocking_hook(BlockingHook* hook) { t_hook = hook; }

BlockingScope::BlockingScope() {
  if (t_depth++ == 0 && t_hook) t_hook->will_block();
}

BlockingScope::~BlockingScope() {
  if (--t_depth == 0 && t_hook) t_hook->unblocked();
}

}  // namespace postern
