// posternctl account list|hold|release: the account guard ([account_guard]) in the configured
// store.
//   account list [--limit N]   held logins first (since when, why), then logins with live signs:
//                              each sign with its weight, count, last detail and expiry
//   account hold LOGIN         hold a login's outgoing mail now (postern-policyd answers HOLD)
//   account release LOGIN      lift the hold and forget the login's signs and its send-limit
//                              counters, so its next message goes through
// Works whether or not [account_guard] enabled is set (an admin may release after turning it off).
// The layout belongs to the core (AccountGuard, RateLimiter::reset); this file parses and prints.
#include <iostream>

#include "common/guard/account_guard.h"
#include "common/log/log.h"
#include "common/ratelimit/limiter.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

constexpr uint64_t kDefaultLimit = 1000;

int store_error(const Error& e) {
  std::cerr << "posternctl: store: " << e.message << "\n";
  return kExitFailure;
}

struct Admin {
  SystemClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<AccountGuard> guard;
};

bool open_admin(Context& ctx, Admin& a, int& rc) {
  a.store = open_store(ctx, a.clock, rc);
  if (!a.store) return false;
  AccountGuardConfig c = ctx.config()->account_guard;
  c.enabled = true;  // administration works on what is stored, whatever the switch says now
  a.guard = std::make_unique<AccountGuard>(*a.store, a.clock, c, nullptr);
  return true;
}

bool valid_login(const std::string& login) {
  if (login.empty() || login.size() > kMaxGuardLogin) return false;
  for (unsigned char ch : login) {
    if (ch <= 0x20 || ch == 0x7f) return false;
  }
  return true;
}

int cmd_list(Context& ctx) {
  size_t limit = ctx.opts.number("--limit", kDefaultLimit);
  Admin a;
  int rc = 0;
  if (!open_admin(ctx, a, rc)) return rc;
  auto l = a.guard->list(limit);
  if (!l) return store_error(l.error());
  const auto& c = ctx.config()->account_guard;
  if (!c.enabled) std::cout << "# note: [account_guard] enabled = false\n";
  std::cout << "# login  state  score/threshold  since  reason\n";
  for (const auto& st : *l) {
    std::cout << log_safe(st.login, 400) << "  " << (st.held ? "held" : "watched") << "  " << st.score << "/"
              << c.threshold << "  " << (st.held ? format_time(st.held_since) : "-") << "  "
              << (st.held ? log_safe(st.hold_reason, 1000) : "-") << "\n";
    for (const auto& s : st.signs) {
      std::cout << "  sign " << guard_signal_name(s.signal) << " weight=" << s.weight << " seen=" << s.count
                << " until=" << format_time(s.expires_at) << " last=" << log_safe(s.detail, 300) << "\n";
    }
  }
  return 0;
}

int cmd_hold(Context& ctx) {
  if (!valid_login(ctx.args[0])) return ctx.usage_error("not a login: " + log_safe(ctx.args[0]));
  Admin a;
  int rc = 0;
  if (!open_admin(ctx, a, rc)) return rc;
  if (auto r = a.guard->hold(ctx.args[0], "held by an admin (posternctl account hold)"); !r)
    return store_error(r.error());
  std::cout << "held " << log_safe(ctx.args[0]) << "\n";
  return 0;
}

int cmd_release(Context& ctx) {
  if (!valid_login(ctx.args[0])) return ctx.usage_error("not a login: " + log_safe(ctx.args[0]));
  Admin a;
  int rc = 0;
  if (!open_admin(ctx, a, rc)) return rc;
  auto was = a.guard->release(ctx.args[0]);
  if (!was) return store_error(was.error());
  auto counters = RateLimiter::reset(*a.store, ctx.args[0]);
  if (!counters) return store_error(counters.error());
  std::cout << (*was ? "released " : "not held: ") << log_safe(ctx.args[0]) << " (signs forgotten, "
            << *counters << " send-limit counters removed)\n";
  return 0;
}

CommandRegistration r1({.name = "account",
                        .subcommand = "list",
                        .usage = "account list [--limit N]",
                        .summary = "held and watched logins, with their signs",
                        .run = &cmd_list,
                        .args = {.options = {{.name = "--limit",
                                              .metavar = "N",
                                              .help = "at most N logins (default 1000)",
                                              .number = NumberRange{1, kMaxListLimit}}}}});
CommandRegistration r2({.name = "account",
                        .subcommand = "hold",
                        .usage = "account hold LOGIN",
                        .summary = "hold a login's outgoing mail",
                        .run = &cmd_hold,
                        .args = {.min_positional = 1, .max_positional = 1}});
CommandRegistration r3({.name = "account",
                        .subcommand = "release",
                        .usage = "account release LOGIN",
                        .summary = "release a held login, forget its signs",
                        .run = &cmd_release,
                        .args = {.min_positional = 1, .max_positional = 1}});

}  // namespace
}  // namespace postern::ctl
