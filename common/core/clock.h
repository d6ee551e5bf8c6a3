// Clock: the only source of time in the core (DESIGN habit 4). SystemClock reads the OS clocks;
// FakeClock is set and advanced by tests, so nothing sleeps to wait for time. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace postern {

using WallTime = std::chrono::system_clock::time_point;
using MonoTime = std::chrono::steady_clock::time_point;
using Seconds = std::chrono::seconds;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: expiry of stored state, DKIM t=/x=, greylist delays.
  virtual WallTime now() const = 0;
  // Monotonic time: cache ages and deadlines measured inside one process.
  virtual MonoTime monotonic() const = 0;

  int64_t unix_seconds() const {
    return std::chrono::duration_cast<Seconds>(now().time_since_epoch()).count();
  }
};

class SystemClock final : public Clock {
 public:
  WallTime now() const override { return std::chrono::system_clock::now(); }
  MonoTime monotonic() const override { return std::chrono::steady_clock::now(); }
};

// Starts at a fixed, arbitrary moment (2026-01-01T00:00:00Z) unless told otherwise.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_start = 1767225600) : offset_ns_(0), start_unix_(unix_start) {}

  WallTime now() const override {
    return WallTime(Seconds(start_unix_)) + std::chrono::nanoseconds(offset_ns_.load());
  }
  MonoTime monotonic() const override {
    return MonoTime(std::chrono::nanoseconds(offset_ns_.load()) + std::chrono::hours(1));
  }
  void advance(std::chrono::nanoseconds d) { offset_ns_ += d.count(); }

 private:
  std::atomic<int64_t> offset_ns_;
  int64_t start_unix_;
};

}  // namespace postern
