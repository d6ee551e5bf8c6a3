// posternctl ratelimit list|reset: the send-limit counters of postern-policyd in the configured
// store ([policyd.ratelimit]).
//   ratelimit list [--limit N]       live counters, largest first: by, subject, window, quantity,
//                                    count within the window ending now, and the limit in force
//                                    (from the config and the overrides file; "-" if none now)
//   ratelimit reset LOGIN|@DOMAIN|IP forget the counters of a login, of every login in a domain
//                                    and that sender domain, or of a client address
// The key layout and its parsing belong to the core (RateLimiter::list / reset); this file parses
// arguments and prints.
#include <iostream>

#include "common/core/file_read.h"
#include "common/core/quantity.h"
#include "common/log/log.h"
#include "common/ratelimit/limiter.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

constexpr uint64_t kDefaultLimit = 100;

int store_error(const Error& e) {
  std::cerr << "posternctl: store: " << e.message << "\n";
  return kExitFailure;
}

// The limit of row's quantity in force for its subject, or 0.
int64_t limit_for(const RateLimiter& rl, const Config& c, const RateCounterRow& row) {
  const std::vector<SendLimit>* set = &c.policyd.ratelimit.limits;
  if (row.by == LimitBy::login) set = &rl.login_limits(row.subject);
  for (const auto& l : *set) {
    if (l.by == row.by && l.window == row.window) return l.of(row.metric);
  }
  return 0;
}

int cmd_list(Context& ctx) {
  size_t limit = ctx.opts.number("--limit", kDefaultLimit);
  SystemClock clock;
  int rc = 0;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  const Config& c = *ctx.config();
  std::vector<LimitOverride> overrides;
  if (!c.policyd.ratelimit.overrides.empty()) {
    auto text = read_regular_file(c.policyd.ratelimit.overrides, kMaxOverridesBytes);
    if (!text) {
      std::cerr << "posternctl: ratelimit.overrides: " << text.error().message << "\n";
    } else {
      auto parsed = parse_limit_overrides(*text);
      for (const auto& e : parsed.errors)
        std::cerr << "posternctl: " << c.policyd.ratelimit.overrides << ":" << e << "\n";
      overrides = std::move(parsed.entries);
    }
  }
  RateLimiter rl(*store, clock, c.policyd.ratelimit.limits, overrides);
  auto rows = RateLimiter::list(*store, clock, limit);
  if (!rows) return store_error(rows.error());
  if (!c.policyd.ratelimit.enabled) std::cout << "# note: [policyd.ratelimit] enabled = false\n";
  std::cout << "# by  subject  window  quantity  count/limit\n";
  for (const auto& r : *rows) {
    int64_t max = limit_for(rl, c, r);
    auto fmt = [&](int64_t v) {
      return r.metric == LimitMetric::bytes ? render_byte_size(v) : std::to_string(v);
    };
    std::cout << limit_by_name(r.by) << "  " << log_safe(r.subject, 400) << "  "
              << render_duration_seconds(r.window) << "  " << limit_metric_name(r.metric) << "  "
              << fmt(r.count) << "/" << (max > 0 ? fmt(max) : "-")
              << (max > 0 && r.count >= max ? "  FULL" : "") << "\n";
  }
  return 0;
}

int cmd_reset(Context& ctx) {
  const std::string& target = ctx.args[0];
  if (target.empty() || target == "@" || target.size() > 320)
    return ctx.usage_error("not a login, @domain or address: " + log_safe(target));
  SystemClock clock;
  int rc = 0;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  auto n = RateLimiter::reset(*store, target);
  if (!n) return store_error(n.error());
  std::cout << "reset " << log_safe(target) << ": " << *n << " counters removed\n";
  return 0;
}

CommandRegistration r1({.name = "ratelimit",
                        .subcommand = "list",
                        .usage = "ratelimit list [--limit N]",
                        .summary = "send-limit counters, fullest first",
                        .run = &cmd_list,
                        .args = {.options = {{.name = "--limit",
                                              .metavar = "N",
                                              .help = "at most N counters (default 100)",
                                              .number = NumberRange{1, kMaxListLimit}}}}});
CommandRegistration r2({.name = "ratelimit",
                        .subcommand = "reset",
                        .usage = "ratelimit reset LOGIN|@DOMAIN|IP",
                        .summary = "forget send-limit counters",
                        .run = &cmd_reset,
                        .args = {.min_positional = 1, .max_positional = 1}});

}  // namespace
}  // namespace postern::ctl
