// Random: injected randomness (DESIGN habit 4). SystemRandom uses getrandom(2); SeededRandom is a
// deterministic generator for tests. Neither is used for key generation (OpenSSL does that).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "common/core/mutex.h"

namespace postern {

class Random {
 public:
  virtual ~Random() = default;
  virtual void fill(std::span<std::byte> out) = 0;
  uint64_t next_u64() {
    uint64_t v = 0;
    fill(std::as_writable_bytes(std::span<uint64_t>(&v, 1)));
    return v;
  }
  // Uniform in [0, bound) for bound > 0.
  uint64_t uniform(uint64_t bound);
};

class SystemRandom final : public Random {
 public:
  void fill(std::span<std::byte> out) override;
};

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  void fill(std::span<std::byte> out) override;

 private:
  Mutex mu_;
  uint64_t state_ GUARDED_BY(mu_);
};

}  // namespace postern
