// Runs the built posternctl binary as an admin would: exit codes, messages and output.
#include <gtest/gtest.h>

#include "tests/harness/dns_server.h"
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

// Issue 15 item 2: deep nesting after a multi-line string with an odd number of quotes killed
// config check with SIGSEGV (a pre-scan fooled by the quote let it reach a recursive parser).
TEST(Posternctl, ConfigCheckRefusesHostileTomlWithExit78NotACrash) {
  test::TempDir dir;
  const size_t n = 100000;
  const std::string odd = "[dmarc]\nreject_text = '''\nthe sender's domain\n'''\n";
  std::string dotted = "a";
  for (size_t i = 0; i < n; ++i) dotted += ".a";
  for (const std::string& tail :
       {"a = " + std::string(n, '[') + std::string(n, ']') + "\n", dotted + " = 1\n"}) {
    auto conf = dir.write("postern.conf", odd + tail);
    auto r = ctl({"-c", conf.string(), "config", "check"});
    EXPECT_EQ(r.exit_code, 78) << r.output.substr(0, 300);
    EXPECT_NE(r.output.find(conf.string() + ":5: "), std::string::npos) << r.output.substr(0, 300);
    EXPECT_NE(r.output.find("1 error in"), std::string::npos) << r.output.substr(0, 300);
  }
}

// Issue 15 item 11: config check passed socket specs the daemons refuse at start.
TEST(Posternctl, ConfigCheckRefusesSocketSpecsTheDaemonsRefuse) {
  test::TempDir dir;
  for (const char* bad : {"inet:999.1.1.1:99999", "unix:", "tcp:1.2.3.4:5"}) {
    auto conf = dir.write("postern.conf", std::string("[policyd]\nsocket = \"") + bad + "\"\n");
    auto r = ctl({"-c", conf.string(), "config", "check"});
    EXPECT_EQ(r.exit_code, 78) << bad << ": " << r.output;
    EXPECT_NE(r.output.find(conf.string() + ":2: policyd.socket: \"" + bad + "\""), std::string::npos)
        << r.output;
  }
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

TEST(Posternctl, GreylistAllowListDeletePurge) {
  test::TempDir dir;
  auto conf = dir.write("postern.conf", "[store]\nlmdb_path = \"" + (dir / "state").string() + "\"\n");
  auto allow = ctl({"-c", conf.string(), "greylist", "allow", "192.0.2.9"});
  EXPECT_EQ(allow.exit_code, 0) << allow.output;
  EXPECT_EQ(allow.output.rfind("allowed 192.0.2.0/24", 0), 0u) << allow.output;
  auto list = ctl({"-c", conf.string(), "greylist", "list"});
  EXPECT_NE(list.output.find("192.0.2.0/24  5"), std::string::npos) << list.output;
  auto del = ctl({"-c", conf.string(), "greylist", "delete", "gl:a:192.0.2.0/24"});
  EXPECT_EQ(del.output, "removed 1\n");
  EXPECT_EQ(ctl({"-c", conf.string(), "greylist", "list"}).output.find("192.0.2.0/24"), std::string::npos);
  EXPECT_EQ(ctl({"-c", conf.string(), "greylist", "purge"}).exit_code, 0);
}

TEST(Posternctl, DnsblCheckScoresAgainstTheConfiguredListsThroughDnsOverride) {
  test::TestDnsServer dns;
  dns.add("9.2.0.192.bl.test", "A", "127.0.0.2");
  dns.add("9.2.0.192.err.test", "A", "127.255.255.254");
  test::TempDir dir;
  auto conf = dir.write("postern.conf",
                        "[policyd.dnsbl]\nip_lists = [\"bl.test=127.0.0.[2..11]*4\", \"err.test*9\"]\n"
                        "reject_threshold = 4\n");
  auto r = ctl({"-c", conf.string(), "--dns", dns.address(), "dnsbl", "check", "192.0.2.9"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("reject 4\n", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("bl.test: 9.2.0.192.bl.test -> 127.0.0.2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("error code 127.255.255.254"), std::string::npos) << r.output;
  auto clean = ctl({"-c", conf.string(), "--dns", dns.address(), "dnsbl", "check", "192.0.2.10"});
  EXPECT_EQ(clean.output.rfind("clean 0\n", 0), 0u) << clean.output;
}

}  // namespace
}  // namespace postern
