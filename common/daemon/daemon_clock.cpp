// Implements DaemonClock. Contract in daemon_clock.h.
#include "common/daemon/daemon_clock.h"

#ifdef POSTERN_TEST_HOOKS
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "common/core/quantity.h"
#endif

namespace postern {

#ifdef POSTERN_TEST_HOOKS

// The environment variable naming the offset file. It is spelled only here, inside the hook
// build, so that debian/rules can tell a binary with the hooks by this name.
constexpr const char* kTestClockOffsetEnv = "POSTERN_TEST_CLOCK_OFFSET_FILE";

bool test_hooks_built() { return true; }

DaemonClock::DaemonClock() {
  if (const char* f = std::getenv(kTestClockOffsetEnv); f && *f) {
    offset_file_ = f;
    std::fprintf(stderr, "test hook: wall clock offset read from %s (%s; POSTERN_TEST_HOOKS build)\n", f,
                 kTestClockOffsetEnv);
  }
}

namespace {

// The offset in the file, in seconds; 0 when the file is missing or does not parse.
int64_t read_offset(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[kMaxQuantityText + 2];
  ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0 || static_cast<size_t>(n) == sizeof buf) return 0;
  std::string_view text(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  return parse_duration_seconds(text).value_or(0);
}

}  // namespace

WallTime DaemonClock::now() const {
  if (offset_file_.empty()) return system_.now();
  return system_.now() + Seconds(read_offset(offset_file_));
}

#else

bool test_hooks_built() { return false; }

DaemonClock::DaemonClock() = default;

// offset_file_ stays empty without the hooks.
WallTime DaemonClock::now() const {
  (void)offset_file_;
  return system_.now();
}

#endif

}  // namespace postern
