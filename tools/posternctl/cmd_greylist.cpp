// posternctl greylist list|allow|delete|purge: the greylisting state in the configured store.
//   greylist list [--limit N]          triplets (network/sender/recipient, first seen, passed) and
//                                      auto-allowed networks
//   greylist allow NETWORK|IP          auto-allow a client network now (as if it had delivered)
//   greylist delete KEY|PREFIX*        remove one entry, or every entry under a prefix
//   greylist purge                     remove expired entries now
// The store layout and its parsing belong to the core (Greylister::list / allow_network /
// remove); this file parses arguments and prints.
#include <iostream>
#include <memory>

#include "common/greylist/greylist.h"
#include "common/log/log.h"
#include "common/net/ip.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

constexpr uint64_t kDefaultLimit = 1000;

std::string when(int64_t unix) { return format_time(unix); }

// The greylister of the loaded config over its store, for administration (no allowlists: they
// play no part in list / allow / remove). Null after printing why, with rc set.
struct Admin {
  SystemClock clock;
  std::unique_ptr<Store> store;
  std::unique_ptr<Greylister> greylister;
  const Config* config = nullptr;
};

bool open_admin(Context& ctx, Admin& a, int& rc) {
  a.store = open_store(ctx, a.clock, rc);
  if (!a.store) return false;
  a.config = ctx.config();
  a.greylister = std::make_unique<Greylister>(a.config->policyd.greylist, Allowlist{}, *a.store, a.clock);
  return true;
}

int store_error(const Error& e) {
  std::cerr << "posternctl: store: " << e.message << "\n";
  return kExitFailure;
}

int cmd_list(Context& ctx) {
  size_t limit = ctx.opts.number("--limit", kDefaultLimit);
  Admin a;
  int rc = 0;
  if (!open_admin(ctx, a, rc)) return rc;
  auto l = a.greylister->list(limit);
  if (!l) return store_error(l.error());
  std::cout << "# triplets (network/sender/recipient)  first-seen  state  expires\n";
  for (const auto& t : l->triplets) {
    std::cout << log_safe(t.name, Store::kMaxKeySize) << "  " << when(t.first_seen) << "  "
              << (t.passed ? "passed" : "waiting") << "  " << when(t.expires_at) << "\n";
  }
  std::cout << "# client networks  passed-deliveries  expires\n";
  for (const auto& n : l->networks)
    std::cout << log_safe(n.network) << "  " << n.deliveries << "  " << when(n.expires_at) << "\n";
  return 0;
}

int cmd_allow(Context& ctx) {
  auto given = IpNetwork::parse(ctx.args[0]);
  if (!given)
    return ctx.usage_error("not an IP address or network: " + log_safe(ctx.args[0]) + ": " +
                           given.error().message);
  Admin a;
  int rc = 0;
  if (!open_admin(ctx, a, rc)) return rc;
  auto net = a.greylister->allow_network(*given);
  if (!net) {
    std::cerr << "posternctl: " << net.error().message << "\n";
    return kExitFailure;
  }
  const auto& g = a.config->policyd.greylist;
  std::cout << "allowed " << *net << " until " << when(a.clock.unix_seconds() + g.max_age.count()) << "\n";
  if (g.auto_allow_after == 0)
    std::cout << "note: auto_allow_after = 0, so the daemon ignores auto-allow entries\n";
  return 0;
}

int cmd_delete(Context& ctx) {
  Admin a;
  int rc = 0;
  if (!open_admin(ctx, a, rc)) return rc;
  auto removed = a.greylister->remove(ctx.args[0]);
  if (!removed) {
    std::cerr << "posternctl: " << (removed.error().temporary() ? "store: " : "") << removed.error().message
              << "\n";
    return kExitFailure;
  }
  std::cout << "removed " << *removed << "\n";
  return 0;
}

int cmd_purge(Context& ctx) {
  SystemClock clock;
  int rc = 0;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  auto r = store->purge_expired();
  if (!r) return store_error(r.error());
  std::cout << "purged " << *r << " expired entries\n";
  return 0;
}

CommandRegistration r1({.name = "greylist",
                        .subcommand = "list",
                        .usage = "greylist list [--limit N]",
                        .summary = "greylist triplets and auto-allowed networks",
                        .run = &cmd_list,
                        .args = {.options = {{.name = "--limit",
                                              .metavar = "N",
                                              .help = "at most N of each kind (default 1000)",
                                              .number = NumberRange{1, kMaxListLimit}}}}});
CommandRegistration r2({.name = "greylist",
                        .subcommand = "allow",
                        .usage = "greylist allow NETWORK|IP",
                        .summary = "stop greylisting a client network",
                        .run = &cmd_allow,
                        .args = {.min_positional = 1, .max_positional = 1}});
CommandRegistration r3({.name = "greylist",
                        .subcommand = "delete",
                        .usage = "greylist delete KEY|PREFIX*",
                        .summary = "forget greylist triplets",
                        .run = &cmd_delete,
                        .args = {.min_positional = 1, .max_positional = 1}});
CommandRegistration r4({.name = "greylist",
                        .subcommand = "purge",
                        .usage = "greylist purge",
                        .summary = "remove expired state entries now",
                        .run = &cmd_purge});

}  // namespace
}  // namespace postern::ctl
