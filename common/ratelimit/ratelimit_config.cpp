// Reads [policyd.ratelimit]. Contract in ratelimit_config.h.
#include "common/ratelimit/ratelimit_config.h"

#include <chrono>

#include "common/core/quantity.h"

namespace postern {

void read_ratelimit_config(SectionReader& r, RatelimitConfig& c) {
  r.boolean("enabled", c.enabled);
  r.choice("action", c.action, kRateActions);
  r.path("overrides", c.overrides, true);
  r.choice("on_store_failure", c.on_store_failure, kRateStoreFailureActions);
  r.address("alert_to", c.alert_to);
  r.path("sendmail", c.sendmail, false);
  for (auto& t : r.tables("limit", 64)) {
    SendLimit l;
    l.by = LimitBy::login;
    t.choice("by", l.by, kLimitBys);
    std::chrono::seconds window{3600};
    t.duration("window", window, std::chrono::seconds(1), std::chrono::seconds(kMaxLimitWindow));
    l.window = window.count();
    t.integer("messages", l.messages, 0, kMaxLimitValue);
    t.integer("recipients", l.recipients, 0, kMaxLimitValue);
    std::string bytes = "0";
    t.string("bytes", bytes, kMaxQuantityText);
    auto b = parse_byte_size(bytes);
    if (!b || *b > kMaxLimitValue)
      t.error("bytes",
              "\"" + bytes + "\" is not a size such as \"200M\" (suffix K, M, G or T; \"0\" = none)");
    else
      l.bytes = *b;
    if (l.messages == 0 && l.recipients == 0 && l.bytes == 0)
      t.error("messages", "a limit needs messages, recipients or bytes");
    for (const auto& other : c.limits) {
      if (other.by == l.by && other.window == l.window)
        t.error("window", "two limits by " + std::string(limit_by_name(l.by)) +
                              " with the same window: put its quantities in one table");
    }
    c.limits.push_back(l);
  }
}

}  // namespace postern
