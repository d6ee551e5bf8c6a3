// Implements Store's default get_many and write_batch. Contract in store.h.
#include "common/store/store.h"

#include <algorithm>

namespace postern {

Result<std::vector<std::optional<StoreEntry>>> Store::get_many(const std::vector<std::string>& keys) {
  std::vector<std::optional<StoreEntry>> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    auto e = get(k);
    if (!e) return e.error();
    out.push_back(std::move(*e));
  }
  return out;
}

Result<void> Store::write_batch(const std::vector<StoreWrite>& writes, int64_t now) {
  for (const auto& w : writes) {
    if (w.remove) {
      auto r = remove(w.key);
      if (!r) return r.error();
      continue;
    }
    Seconds ttl{w.expires_at == 0 ? 0 : std::max<int64_t>(1, w.expires_at - now)};
    auto r = put(w.key, w.value, ttl);
    if (!r) return r.error();
  }
  return {};
}

}  // namespace postern
