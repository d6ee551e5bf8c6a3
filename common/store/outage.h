// StoreOutage: whether the store is failing, shared by everything that reports on one store (a
// daemon's successive PolicyServices across reloads), so that an outage is logged once when it
// begins and once when it ends, not once per request. Trusts its callers. Thread-safe.
#pragma once

#include <atomic>

namespace postern {

class StoreOutage {
 public:
  // Call on a store failure; true when it begins an outage (the caller logs it).
  bool failed() { return !down_.exchange(true); }
  // Call on a store success; true when it ends an outage (the caller logs the recovery).
  bool succeeded() { return down_.exchange(false); }
  bool down() const { return down_.load(); }

 private:
  std::atomic<bool> down_{false};
};

}  // namespace postern
