// Implements Deadline. Contract in deadline.h.
#include "common/core/deadline.h"

#include <climits>

namespace postern {

int Deadline::remaining_ms() const {
  auto left = at_ - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

}  // namespace postern
