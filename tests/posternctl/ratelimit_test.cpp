// posternctl ratelimit list|reset against an LMDB store holding counters written by the core's
// RateLimiter (as postern-policyd writes them): the listing shows each counter with the limit in
// force (an override's for its login), fullest first; reset forgets a login, or a whole domain;
// bad command lines are usage errors (64) before any side effect.
#include <gtest/gtest.h>

#include "common/ratelimit/limiter.h"
#include "common/store/lmdb_store.h"
#include "tests/harness/config_sections.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

test::CommandResult ctl(const std::string& conf, std::vector<std::string> args) {
  args.insert(args.begin(), {POSTERNCTL, "-c", conf});
  return test::run_command(args, "", std::chrono::seconds(30));
}

SendUsage mail(const std::string& login) {
  SendUsage u;
  u.login = login;
  u.sender_domain = login.substr(login.find('@') + 1);
  u.recipients = 2;
  return u;
}

TEST(PosternctlRatelimit, ListShowsCountersAgainstTheirLimitsAndResetForgetsThem) {
  test::TempDir dir("postern-ctl-ratelimit");
  auto overrides = dir.write("overrides", "boss@example.org messages=50/1h\n");
  auto conf = dir.write("postern.conf",
                        test::lmdb_store_section(dir.path() / "state") +
                            "[policyd.ratelimit]\nenabled = true\noverrides = \"" + overrides.string() +
                            "\"\n[[policyd.ratelimit.limit]]\nwindow = \"1h\"\nmessages = 3\n"
                            "[[policyd.ratelimit.limit]]\nby = \"sender_domain\"\nwindow = \"1d\"\n"
                            "recipients = 1000\n")
                  .string();
  {
    SystemClock clock;
    StoreConfig sc;
    sc.lmdb_path = (dir.path() / "state").string();
    auto store = LmdbStore::open(sc, clock, false);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto o = parse_limit_overrides("boss@example.org messages=50/1h\n");
    RateLimiter rl(
        **store, clock,
        {SendLimit{LimitBy::login, 3600, 3, 0, 0}, SendLimit{LimitBy::sender_domain, 86400, 0, 1000, 0}},
        o.entries);
    for (int i = 0; i < 4; ++i) (void)rl.check(mail("alice@example.org"));  // 3 pass, 1 over
    for (int i = 0; i < 2; ++i) ASSERT_EQ(rl.check(mail("boss@example.org")).verdict, RateVerdict::pass);
    ASSERT_EQ(rl.check(mail("carol@example.net")).verdict, RateVerdict::pass);
  }
  auto list = ctl(conf, {"ratelimit", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_EQ(list.output,
            "# by  subject  window  quantity  count/limit\n"
            "sender_domain  example.org  1d  recipients  10/1000\n"
            "login  alice@example.org  1h  messages  3/3  FULL\n"
            "login  boss@example.org  1h  messages  2/50\n"
            "sender_domain  example.net  1d  recipients  2/1000\n"
            "login  carol@example.net  1h  messages  1/3\n");
  auto top = ctl(conf, {"ratelimit", "list", "--limit", "1"});
  EXPECT_EQ(
      top.output,
      "# by  subject  window  quantity  count/limit\nsender_domain  example.org  1d  recipients  10/1000\n");

  auto reset = ctl(conf, {"ratelimit", "reset", "Alice@example.org"});
  ASSERT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_EQ(reset.output, "reset Alice@example.org: 1 counters removed\n");
  list = ctl(conf, {"ratelimit", "list"});
  EXPECT_EQ(list.output.find("alice@"), std::string::npos) << list.output;
  reset = ctl(conf, {"ratelimit", "reset", "@example.org"});
  EXPECT_EQ(reset.output, "reset @example.org: 2 counters removed\n");  // boss, and the sender domain
  list = ctl(conf, {"ratelimit", "list"});
  EXPECT_EQ(list.output,
            "# by  subject  window  quantity  count/limit\n"
            "sender_domain  example.net  1d  recipients  2/1000\n"
            "login  carol@example.net  1h  messages  1/3\n");

  for (std::vector<std::string> bad : {std::vector<std::string>{"ratelimit", "reset"},
                                       {"ratelimit", "reset", "a", "b"},
                                       {"ratelimit", "list", "--limit", "0"},
                                       {"ratelimit", "reset", "@"}}) {
    auto r = ctl(conf, bad);
    EXPECT_EQ(r.exit_code, 64) << r.output;
    EXPECT_NE(r.output.find("usage: posternctl ratelimit"), std::string::npos) << r.output;
  }
  auto broken = dir.write("broken.conf", "[[policyd.ratelimit.limit]]\nmessages = -1\n").string();
  EXPECT_EQ(ctl(broken, {"ratelimit", "list"}).exit_code, 78);
}

}  // namespace
}  // namespace postern
