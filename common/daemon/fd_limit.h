// The daemons' file descriptor limit (RLIMIT_NOFILE). A daemon needs a descriptor per connection
// plus one per DNS query in flight, and the soft limit a service starts with is often 1024 while
// [policyd] max_connections defaults to 1000. At the limit accept() fails with EMFILE and DNS
// lookups cannot make a socket, so each daemon raises its soft limit at start to the hard limit
// (which stays the admin's: LimitNOFILE in the systemd unit, ulimit -Hn elsewhere; never raised
// here) and compares it with what its configuration needs, so a shortfall is one log line at start
// rather than hung connections later. Not thread-safe against other setrlimit callers; call it
// from main.
#pragma once

#include <cstdint>

namespace postern {

// Descriptors a daemon keeps besides its connections and DNS sockets: standard streams, the
// listening socket, epoll and signal descriptors, the store (LMDB files or a Redis connection),
// syslog, and files read at a reload.
inline constexpr uint64_t kFdReserve = 64;

struct FdLimit {
  uint64_t before = 0;  // the soft limit found
  uint64_t now = 0;     // the soft limit after raising it
  uint64_t hard = 0;
  uint64_t needed = 0;  // what the caller asked for
  bool enough() const { return now >= needed; }
};

// Raises the soft limit to the hard limit (an unlimited hard limit: to max(needed, the soft
// limit found)). needed is only compared.
FdLimit raise_fd_limit(uint64_t needed);

}  // namespace postern
