// Deadline: a point in monotonic (steady_clock) time after which work must give up. Network waits
// use the real steady clock, because a fake clock would let a poll(2) wait forever.
#pragma once

#include <chrono>

namespace postern {

class Deadline {
 public:
  static Deadline after(std::chrono::milliseconds d) {
    return Deadline(std::chrono::steady_clock::now() + d);
  }
  explicit Deadline(std::chrono::steady_clock::time_point at) : at_(at) {}

  bool expired() const { return std::chrono::steady_clock::now() >= at_; }
  // Milliseconds left, rounded up, never negative; suitable for poll(2).
  int remaining_ms() const;
  std::chrono::steady_clock::time_point at() const { return at_; }
  Deadline earlier(const Deadline& other) const { return at_ < other.at_ ? *this : other; }

 private:
  std::chrono::steady_clock::time_point at_;
};

}  // namespace postern
