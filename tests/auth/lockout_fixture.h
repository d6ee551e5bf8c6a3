// LockoutFixture: what the lockout suites share (lockout_test.cpp, lockout_guard_test.cpp): a
// FakeClock, a MemoryStore on it and the log in memory; ip() reads a test address, logged()
// counts a log line. Each suite sets its own LockoutConfig. Trusts its callers.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/auth/lockout.h"
#include "common/store/memory_store.h"

namespace postern::test {

inline IpAddress ip(const char* s) { return *IpAddress::parse(s); }

struct LockoutFixture : ::testing::Test {
  size_t logged(const std::string& needle) const {
    size_t n = 0;
    const std::string text = sink->text();
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
    return n;
  }

  FakeClock clock;
  MemoryStore store{clock};
  std::shared_ptr<MemorySink> sink = std::make_shared<MemorySink>();
  std::shared_ptr<Logger> log = std::make_shared<Logger>(sink, LogLevel::debug);
};

}  // namespace postern::test
