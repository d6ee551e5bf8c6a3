// posternctl greylist list|allow|delete|purge: the greylisting state in the configured store.
//   greylist list [--limit N]          triplets (network/sender/recipient, first seen, passed) and
//                                      auto-allowed networks
//   greylist allow NETWORK|IP          auto-allow a client network now (as if it had delivered)
//   greylist delete KEY|PREFIX*        remove one entry, or every entry under a prefix
//   greylist purge                     remove expired entries now
#include <iostream>

#include "common/log/log.h"
#include "common/net/ip.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

constexpr uint64_t kDefaultLimit = 1000;

std::string when(int64_t unix) { return format_time(unix); }

int cmd_list(Context& ctx) {
  size_t limit = ctx.opts.number("--limit", kDefaultLimit);
  SystemClock clock;
  int rc = 0;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  auto triplets = store->scan("gl:t:", limit);
  auto allowed = store->scan("gl:a:", limit);
  if (!triplets || !allowed) {
    std::cerr << "posternctl: store: " << (!triplets ? triplets.error() : allowed.error()).message << "\n";
    return 1;
  }
  std::cout << "# triplets (network/sender/recipient)  first-seen  state  expires\n";
  for (const auto& e : *triplets) {
    size_t colon = e.value.find(':');
    int64_t first = colon == std::string::npos ? 0 : std::atoll(e.value.substr(0, colon).c_str());
    bool passed = colon != std::string::npos && e.value.substr(colon + 1) == "1";
    std::cout << e.key.substr(5) << "  " << when(first) << "  " << (passed ? "passed" : "waiting") << "  "
              << when(e.expires_at) << "\n";
  }
  std::cout << "# client networks  passed-deliveries  expires\n";
  for (const auto& e : *allowed)
    std::cout << e.key.substr(5) << "  " << e.value << "  " << when(e.expires_at) << "\n";
  return 0;
}

int cmd_allow(Context& ctx) {
  auto given = IpNetwork::parse(ctx.args[0]);
  if (!given) return ctx.usage_error("not an IP address or network: " + log_safe(ctx.args[0]) + ": " +
                                     given.error().message);
  const Config* c = ctx.config();
  if (!c) return kExitConfig;
  const auto& g = c->policyd.greylist;
  // The daemon keeps one auto-allow entry per client network of the configured size: an address
  // or a narrower network stands for the network holding it; a wider one has no single entry.
  int grouping = given->base.v6 ? g.ipv6_prefix : g.ipv4_prefix;
  if (given->prefix_len < grouping) {
    std::cerr << "posternctl: " << given->str() << " is wider than a greylisting client network (/" << grouping
              << ", [policyd.greylist] ipv" << (given->base.v6 ? "6" : "4")
              << "_prefix): allow each /" << grouping << " in it\n";
    return kExitFailure;
  }
  std::string net = network_key(given->base, g.ipv4_prefix, g.ipv6_prefix);
  SystemClock clock;
  int rc = 0;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  auto r = store->put("gl:a:" + net, std::to_string(std::max(1, g.auto_allow_after)), g.max_age);
  if (!r) {
    std::cerr << "posternctl: store: " << r.error().message << "\n";
    return 1;
  }
  std::cout << "allowed " << net << " until " << when(clock.unix_seconds() + g.max_age.count()) << "\n";
  if (g.auto_allow_after == 0)
    std::cout << "note: auto_allow_after = 0, so the daemon ignores auto-allow entries\n";
  return 0;
}

int cmd_delete(Context& ctx) {
  SystemClock clock;
  int rc = 0;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  std::string arg = ctx.args[0];
  std::vector<std::string> keys;
  if (!arg.empty() && arg.back() == '*') {
    auto all = store->scan("gl:t:" + arg.substr(0, arg.size() - 1), 1000000);
    if (!all) {
      std::cerr << "posternctl: store: " << all.error().message << "\n";
      return 1;
    }
    for (const auto& e : *all) keys.push_back(e.key);
  } else {
    keys.push_back(arg.rfind("gl:", 0) == 0 ? arg : "gl:t:" + arg);
  }
  size_t removed = 0;
  for (const auto& k : keys) {
    auto r = store->remove(k);
    if (r && *r) ++removed;
  }
  std::cout << "removed " << removed << "\n";
  return 0;
}

int cmd_purge(Context& ctx) {
  SystemClock clock;
  int rc = 0;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  auto r = store->purge_expired();
  if (!r) {
    std::cerr << "posternctl: store: " << r.error().message << "\n";
    return 1;
  }
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
