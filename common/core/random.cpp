// Implements Random over getrandom(2) and splitmix64. Contract in random.h.
#include "common/core/random.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace postern {

uint64_t Random::uniform(uint64_t bound) {
  if (bound == 0) return 0;
  // Rejection sampling removes modulo bias.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
  uint64_t v;
  do {
    v = next_u64();
  } while (v >= limit);
  return v % bound;
}

void SystemRandom::fill(std::span<std::byte> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // getrandom only fails on a broken kernel; nothing sensible can continue without entropy.
      throw std::runtime_error(std::string("getrandom: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
}

void SeededRandom::fill(std::span<std::byte> out) {
  MutexLock lock(mu_);
  for (size_t i = 0; i < out.size(); i += 8) {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    std::memcpy(out.data() + i, &z, std::min<size_t>(8, out.size() - i));
  }
}

}  // namespace postern
