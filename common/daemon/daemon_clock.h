// DaemonClock: the clock a daemon runs on (postern-policyd). In a production build it is the
// system clock and nothing else. Only in a build configured with -DPOSTERN_TEST_HOOKS=ON (the
// debug and asan presets; CMake refuses it in a Release or RelWithDebInfo build, so the release
// preset and the Debian package never have it, and debian/rules checks the installed binaries),
// and only when the environment names a file in POSTERN_TEST_CLOCK_OFFSET_FILE, the wall time
// is the system's plus the duration that file holds ("90s", "2h", bare seconds; parsed by
// parse_duration_seconds, so never negative: time only steps forward). The file is read again at
// every now(), so an end-to-end test steps the daemon's time by rewriting it (write and rename),
// without sleeping. A file that is missing or does not parse counts as no offset. Monotonic time
// is never shifted: deadlines and timeouts stay real. The hook says on stderr, once, that it is
// on. docs/development.md describes it. Thread-safe.
#pragma once

#include <string>

#include "common/core/clock.h"

namespace postern {

// Whether this build carries the test hooks (POSTERN_TEST_HOOKS).
bool test_hooks_built();

class DaemonClock final : public Clock {
 public:
  DaemonClock();
  WallTime now() const override;
  MonoTime monotonic() const override { return system_.monotonic(); }

 private:
  SystemClock system_;
  std::string offset_file_;  // empty: the system clock as it is
};

}  // namespace postern
