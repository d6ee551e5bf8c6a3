// Runs the built posternctl binary as an admin would: exit codes, messages and output.
#include <gtest/gtest.h>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

test::CommandResult ctl(std::vector<std::string> args) {
  args.insert(args.begin(), POSTERNCTL);
  return test::run_command(args);
}

TEST(Posternctl, HelpListsCommands) {
  auto r = ctl({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("config check"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("sender check"), std::string::npos) << r.output;
}

TEST(Posternctl, UnknownCommandIsAUsageError) {
  auto r = ctl({"frobnicate"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.output.find("unknown command"), std::string::npos) << r.output;
}

TEST(Posternctl, ConfigCheckAcceptsTheExampleAndPrintsTheEffectiveConfig) {
  auto r = ctl({"config", "check", "-c", std::string(POSTERN_SOURCE_DIR) + "/etc/postern.conf.example"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("ok ", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("[store]\nbackend = \"lmdb\""), std::string::npos) << r.output;
}

TEST(Posternctl, ConfigCheckRejectsBadConfigWithExit78AndFileLineKey) {
  test::TempDir dir;
  auto conf = dir.write("postern.conf", "[store]\nbackend = \"postgres\"\n");
  auto r = ctl({"-c", conf.string(), "config", "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(conf.string() + ":2: store.backend: expected one of lmdb, redis"),
            std::string::npos)
      << r.output;
}

TEST(Posternctl, MissingConfigIsExit78) {
  test::TempDir dir;
  auto r = ctl({"-c", (dir / "none.conf").string(), "config", "check"});
  EXPECT_EQ(r.exit_code, 78) << r.output;
}

TEST(Posternctl, SenderCheckUsesTheConfiguredMaps) {
  test::TempDir dir;
  auto map = dir.write("senders", "sales@example.org alice@example.org\n");
  auto conf = dir.write("postern.conf", "[sender]\nlogin_maps = [\"" + map.string() + "\"]\n");
  auto yes =
      ctl({"-c", conf.string(), "sender", "check", "--login", "alice@example.org", "sales@example.org"});
  EXPECT_EQ(yes.exit_code, 0);
  EXPECT_EQ(yes.output.rfind("allowed\n", 0), 0u) << yes.output;
  auto no = ctl({"-c", conf.string(), "sender", "check", "--login", "bob@example.org", "sales@example.org"});
  EXPECT_EQ(no.exit_code, 0);
  EXPECT_EQ(no.output.rfind("denied\n", 0), 0u) << no.output;
  auto null = ctl({"-c", conf.string(), "sender", "check", "--login", "bob@example.org", "<>"});
  EXPECT_EQ(null.output.rfind("denied\n", 0), 0u) << null.output;
}

}  // namespace
}  // namespace postern
