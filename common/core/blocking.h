// BlockingScope marks code that waits for something outside the thread: the network (a DNS
// answer, Redis), a disk sync, or another thread's lookup. A server that serves many connections
// from a few threads installs a BlockingHook on its worker threads and uses these marks to keep a
// thread free for the other connections while one waits (postern-policyd's server does). Scopes
// nest; the hook hears only the outermost enter and leave. Without a hook a scope costs two
// thread-local reads.
#pragma once

namespace postern {

class BlockingHook {
 public:
  virtual ~BlockingHook() = default;
  virtual void will_block() = 0;  // this thread is about to wait
  virtual void unblocked() = 0;   // it is running again
};

// Sets the calling thread's hook (nullptr: none). The hook must outlive the thread's use of it.
void set_thread_blocking_hook(BlockingHook* hook);

class BlockingScope {
 public:
  BlockingScope();
  ~BlockingScope();
  BlockingScope(const BlockingScope&) = delete;
  BlockingScope& operator=(const BlockingScope&) = delete;
};

}  // namespace postern
