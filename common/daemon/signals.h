// SignalWatcher: SIGHUP (reload), SIGTERM and SIGINT (stop) delivered through a signalfd, so the
// event loop reads them as data and no work happens in a signal handler. Construct it in main()
// before starting any thread: it blocks those signals for the whole process. SIGPIPE is ignored.
#pragma once

namespace postern {

class SignalWatcher {
 public:
  enum class Event { none, reload, stop };
  SignalWatcher();
  ~SignalWatcher();
  int fd() const { return fd_; }  // readable when a signal is pending
  Event read();                   // the pending event, or none

 private:
  int fd_ = -1;
};

}  // namespace postern
