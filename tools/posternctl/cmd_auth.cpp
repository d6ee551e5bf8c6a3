// posternctl passwd and lockout: passwords and brute-force lockout of the Dovecot passdb "postern".
//   passwd [--rounds N]          reads a password (twice, without echo, from a terminal; else one
//                                line from stdin) and prints "{SHA512-CRYPT}$6$..." for a
//                                passwd-file or a Mail-in-a-Box users table (doveadm pw -t accepts it)
//   lockout list [--limit N]     locks in force: scope, network, user, until, level, failures
//   lockout unlock USER|NETWORK  lifts the locks of a user or a client network (and resets their
//                                counters and backoff levels); logged
#include <termios.h>
#include <unistd.h>

#include <functional>
#include <iostream>
#include <string>

#include "common/auth/lockout.h"
#include "common/auth/password_hash.h"
#include "common/log/factory.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/state.h"

namespace postern::ctl {
namespace {

bool read_secret(const char* prompt, std::string& out) {
  bool tty = isatty(STDIN_FILENO) != 0;
  termios old{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  bool ok = static_cast<bool>(std::getline(std::cin, out));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return ok;
}

int cmd_passwd(Context& ctx) {
  int64_t rounds = kSha512DefaultRounds;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    if (ctx.args[i] == "--rounds" && i + 1 < ctx.args.size()) {
      rounds = std::atoll(ctx.args[++i].c_str());
    } else {
      std::cerr << "usage: posternctl passwd [--rounds N]\n";
      return kExitUsage;
    }
  }
  std::string pw, again;
  if (!read_secret("Password: ", pw)) {
    std::cerr << "posternctl: no password given\n";
    return 1;
  }
  if (isatty(STDIN_FILENO) && (!read_secret("Again: ", again) || again != pw)) {
    std::cerr << "posternctl: passwords do not match\n";
    return 1;
  }
  if (pw.empty()) {
    std::cerr << "posternctl: empty password refused\n";
    return 1;
  }
  auto h = make_sha512_crypt(pw, rounds);
  if (!h) {
    std::cerr << "posternctl: " << h.error().message << "\n";
    return 1;
  }
  std::cout << "{SHA512-CRYPT}" << *h << "\n";
  return 0;
}

int with_lockout(Context& ctx, const std::function<int(Lockout&)>& fn) {
  SystemClock clock;
  int rc = 0;
  auto store = open_store(ctx, clock, rc);
  if (!store) return rc;
  const Config* c = ctx.config();
  auto log = make_logger(c->log, "posternctl", false);
  Lockout lo(*store, clock, c->auth.lockout, log);
  return fn(lo);
}

int cmd_lockout_list(Context& ctx) {
  size_t limit = 10000;
  for (size_t i = 0; i < ctx.args.size(); ++i) {
    if (ctx.args[i] == "--limit" && i + 1 < ctx.args.size()) {
      limit = std::stoul(ctx.args[++i]);
    } else {
      std::cerr << "usage: posternctl lockout list [--limit N]\n";
      return kExitUsage;
    }
  }
  return with_lockout(ctx, [limit](Lockout& lo) {
    auto l = lo.list(limit);
    if (!l) {
      std::cerr << "posternctl: store: " << l.error().message << "\n";
      return 1;
    }
    std::cout << "# scope  network  user  until  level  failures\n";
    for (const auto& li : *l) {
      std::cout << lock_scope_name(li.scope) << "  " << (li.network.empty() ? "-" : li.network) << "  "
                << (li.user.empty() ? "-" : log_safe(li.user)) << "  " << format_time(li.until) << "  "
                << li.level << "  " << li.failures << "\n";
    }
    return 0;
  });
}

int cmd_lockout_unlock(Context& ctx) {
  if (ctx.args.size() != 1 || ctx.args[0].empty()) {
    std::cerr << "usage: posternctl lockout unlock USER|NETWORK\n";
    return kExitUsage;
  }
  const std::string target = ctx.args[0];
  return with_lockout(ctx, [&target](Lockout& lo) {
    auto n = lo.unlock(target);
    if (!n) {
      std::cerr << "posternctl: store: " << n.error().message << "\n";
      return 1;
    }
    std::cout << "unlocked " << log_safe(target) << " (" << *n << " lock" << (*n == 1 ? "" : "s")
              << " lifted)\n";
    return 0;
  });
}

CommandRegistration reg_passwd({"passwd", "", "passwd [--rounds N]",
                                "make a {SHA512-CRYPT} hash for a passwd-file or users table", &cmd_passwd});
CommandRegistration reg_list({"lockout", "list", "lockout list [--limit N]", "list login lockouts in force",
                              &cmd_lockout_list});
CommandRegistration reg_unlock({"lockout", "unlock", "lockout unlock USER|NETWORK",
                                "lift the lockouts of a user or a client network", &cmd_lockout_unlock});

}  // namespace
}  // namespace postern::ctl
