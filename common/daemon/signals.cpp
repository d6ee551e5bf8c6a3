// Implements SignalWatcher. Contract in signals.h.
#include "common/daemon/signals.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

namespace postern {

SignalWatcher::SignalWatcher() {
  signal(SIGPIPE, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  fd_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

SignalWatcher::~SignalWatcher() {
  if (fd_ >= 0) close(fd_);
}

SignalWatcher::Event SignalWatcher::read() {
  signalfd_siginfo info;
  Event ev = Event::none;
  while (::read(fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGHUP && ev == Event::none) ev = Event::reload;
    if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) ev = Event::stop;
  }
  return ev;
}

}  // namespace postern
