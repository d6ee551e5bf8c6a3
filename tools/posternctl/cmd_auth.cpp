// posternctl passwd and lockout: passwords and brute-force lockout of the Dovecot passdb "postern".
//   passwd [--rounds N]          reads a password (twice, without echo, from a terminal; else one
//                                line from stdin, at most kMaxPasswordLength bytes, no NUL) and
//                                prints "{SHA512-CRYPT}$6$..." for a passwd-file or a Mail-in-a-Box
//                                users table (doveadm pw -t accepts it)
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

// make_sha512_crypt's range for rounds, checked here too so a bad --rounds is a usage error
// before the password is asked for.
constexpr uint64_t kMinRounds = 1000;
constexpr uint64_t kMaxRounds = static_cast<uint64_t>(kMaxCryptRounds);  // the passdb refuses more
constexpr uint64_t kDefaultListLimit = 10000;

// Reads one line of at most kMaxPasswordLength bytes (a final CR dropped), never more: a stream
// without a newline (/dev/zero) is refused after that many bytes instead of filling memory.
Result<std::string> read_secret(const char* prompt) {
  bool tty = isatty(STDIN_FILENO) != 0;
  termios old{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string out;
  bool got_any = false, too_long = false, nul = false;
  for (char c; std::cin.get(c);) {
    got_any = true;
    if (c == '\n') break;
    if (c == '\0') nul = true;
    if (out.size() > kMaxPasswordLength) {  // one more than allowed: room for a final CR
      too_long = true;
      break;
    }
    out.push_back(c);
  }
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  if (!got_any) return Error::perm("no password given");
  if (too_long || out.size() > kMaxPasswordLength)
    return Error::perm("password longer than " + std::to_string(kMaxPasswordLength) + " bytes refused");
  if (nul) return Error::perm("password with a NUL byte refused");
  return out;
}

int cmd_passwd(Context& ctx) {
  auto rounds = static_cast<int64_t>(ctx.opts.number("--rounds", kSha512DefaultRounds));
  auto pw = read_secret("Password: ");
  if (!pw) {
    std::cerr << "posternctl: " << pw.error().message << "\n";
    return kExitFailure;
  }
  if (isatty(STDIN_FILENO)) {
    auto again = read_secret("Again: ");
    if (!again || *again != *pw) {
      std::cerr << "posternctl: passwords do not match\n";
      return kExitFailure;
    }
  }
  if (pw->empty()) {
    std::cerr << "posternctl: empty password refused\n";
    return kExitFailure;
  }
  auto h = make_sha512_crypt(*pw, rounds);
  if (!h) {
    std::cerr << "posternctl: " << h.error().message << "\n";
    return kExitFailure;
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
  size_t limit = ctx.opts.number("--limit", kDefaultListLimit);
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
  if (ctx.args[0].empty()) return ctx.usage_error("empty USER|NETWORK");
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

CommandRegistration reg_passwd({.name = "passwd",
                                .usage = "passwd [--rounds N]",
                                .summary = "make a {SHA512-CRYPT} hash for a passwd-file or users table",
                                .run = &cmd_passwd,
                                .args = {.options = {{.name = "--rounds",
                                                      .metavar = "N",
                                                      .help = "SHA512-CRYPT rounds, " +
                                                              std::to_string(kMinRounds) + ".." +
                                                              std::to_string(kMaxRounds) + " (default 5000)",
                                                      .number = NumberRange{kMinRounds, kMaxRounds}}}}});
CommandRegistration reg_list({.name = "lockout",
                              .subcommand = "list",
                              .usage = "lockout list [--limit N]",
                              .summary = "list login lockouts in force",
                              .run = &cmd_lockout_list,
                              .args = {.options = {{.name = "--limit",
                                                    .metavar = "N",
                                                    .help = "show at most N locks (default 10000)",
                                                    .number = NumberRange{1, kMaxListLimit}}}}});
CommandRegistration reg_unlock({.name = "lockout",
                                .subcommand = "unlock",
                                .usage = "lockout unlock USER|NETWORK",
                                .summary = "lift the lockouts of a user or a client network",
                                .run = &cmd_lockout_unlock,
                                .args = {.min_positional = 1, .max_positional = 1}});

}  // namespace
}  // namespace postern::ctl
