// posternctl store verify|reset and a damaged LMDB store as the admin meets it: postern-policyd
// refuses to start (exit 1, not a signal) naming the file and the recovery, posternctl greylist
// list says the same, store verify names the damage, store reset moves the files aside and the
// daemon starts again.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/store/lmdb_store.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tests/policyd/policyd_daemon.h"

namespace postern {
namespace {

test::CommandResult ctl(const std::string& conf, std::vector<std::string> args) {
  args.insert(args.begin(), {POSTERNCTL, "-c", conf});
  return test::run_command(args, "", std::chrono::seconds(30));
}

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// A store in dir/state holding some greylist triplets, then truncated to half its size.
std::string make_truncated_store(const test::TempDir& dir) {
  StoreConfig c;
  c.lmdb_path = (dir / "state").string();
  SystemClock clock;
  {
    auto s = LmdbStore::open(c, clock, false);
    EXPECT_TRUE(s.ok()) << s.error().message;
    std::vector<StoreWrite> w;
    for (int i = 0; i < 2000; ++i)
      w.push_back(
          StoreWrite{"gl:t:192.0.2.0/s" + std::to_string(i) + "@x.test/r@y.test", "1767225600:0", 0, false});
    EXPECT_TRUE((*s)->write_batch(w, clock.unix_seconds()).ok());
  }
  std::string data = c.lmdb_path + "/data.mdb";
  std::filesystem::resize_file(data, std::filesystem::file_size(data) / 2);
  return data;
}

TEST(PosternctlStore, DamagedStoreIsRefusedClearlyAndResetRecoversIt) {
  test::TestDnsServer dns;
  test::TempDir dir("store");
  chmod(dir.path().c_str(), 0755);  // the daemon drops to nobody
  std::string data = make_truncated_store(dir);
  auto conf = dir.write("ctl.conf", test::lmdb_store_conf(dir)).string();

  // The daemon refuses to start: exit 1 with the file and the recovery, not SIGBUS.
  int port = test::free_tcp_port();
  auto daemon_conf =
      dir.write("policyd.conf", "[log]\ndestination = \"stderr\"\n" + test::lmdb_store_conf(dir) +
                                    "[policyd]\nsocket = \"inet:127.0.0.1:" + std::to_string(port) + "\"\n")
          .string();
  auto start = test::run_command({POLICYD, "-f", "-c", daemon_conf}, "", std::chrono::seconds(30));
  EXPECT_EQ(start.exit_code, 1) << start.output;
  EXPECT_TRUE(contains(start.output, data)) << start.output;
  EXPECT_TRUE(contains(start.output, "truncated")) << start.output;
  EXPECT_TRUE(contains(start.output, "posternctl store reset --yes")) << start.output;

  auto list = ctl(conf, {"greylist", "list"});
  EXPECT_EQ(list.exit_code, 1) << list.output;
  EXPECT_TRUE(contains(list.output, data) && contains(list.output, "posternctl store reset")) << list.output;
  auto purge = ctl(conf, {"greylist", "purge"});
  EXPECT_EQ(purge.exit_code, 1) << purge.output;

  auto verify = ctl(conf, {"store", "verify"});
  EXPECT_EQ(verify.exit_code, 1) << verify.output;
  EXPECT_EQ(verify.output.rfind("damaged\n", 0), 0u) << verify.output;
  EXPECT_TRUE(contains(verify.output, "truncated")) << verify.output;

  // reset needs --yes and touches nothing without it.
  auto unconfirmed = ctl(conf, {"store", "reset"});
  EXPECT_EQ(unconfirmed.exit_code, 64) << unconfirmed.output;
  EXPECT_TRUE(std::filesystem::exists(data));
  EXPECT_EQ(ctl(conf, {"store", "reset", "--force"}).exit_code, 64);

  auto reset = ctl(conf, {"store", "reset", "--yes"});
  EXPECT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_TRUE(contains(reset.output, "moved " + data + " to " + data + ".damaged-")) << reset.output;
  size_t aside = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "state"))
    if (contains(e.path().filename().string(), ".damaged-")) ++aside;
  EXPECT_EQ(aside, 2u);  // data.mdb and lock.mdb

  verify = ctl(conf, {"store", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_EQ(verify.output.rfind("ok\n", 0), 0u) << verify.output;
  list = ctl(conf, {"greylist", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.output;

  // The daemon starts on the fresh store and answers.
  test::Policyd daemon(dir, "policyd-after", dns.address(), test::lmdb_store_conf(dir));
  EXPECT_TRUE(contains(test::ask(daemon.port, test::request("192.0.2.9")), "action="))
      << daemon.proc->output();
}

TEST(PosternctlStore, ResetRefusesWhileTheStoreIsOpenElsewhere) {
  test::TempDir dir("store");
  StoreConfig c;
  c.lmdb_path = (dir / "state").string();
  SystemClock clock;
  auto open = LmdbStore::open(c, clock, false);  // this test process holds it open
  ASSERT_TRUE(open.ok()) << open.error().message;
  auto conf = dir.write("ctl.conf", test::lmdb_store_conf(dir)).string();
  auto reset = ctl(conf, {"store", "reset", "--yes"});
  EXPECT_EQ(reset.exit_code, 1) << reset.output;
  EXPECT_TRUE(contains(reset.output, "is open in a running process")) << reset.output;
  EXPECT_TRUE(std::filesystem::exists(c.lmdb_path + "/data.mdb"));
}

TEST(PosternctlStore, VerifyOfAHealthyStoreSaysOkWithItsFigures) {
  test::TempDir dir("store");
  auto conf = dir.write("ctl.conf", test::lmdb_store_conf(dir)).string();
  auto none = ctl(conf, {"store", "verify"});
  EXPECT_EQ(none.exit_code, 0) << none.output;
  EXPECT_TRUE(contains(none.output, "no store yet")) << none.output;
  EXPECT_EQ(ctl(conf, {"greylist", "allow", "192.0.2.1"}).exit_code, 0);
  auto ok = ctl(conf, {"store", "verify"});
  EXPECT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_EQ(ok.output.rfind("ok\n", 0), 0u) << ok.output;
  EXPECT_TRUE(contains(ok.output, "entries 1,")) << ok.output;
}

}  // namespace
}  // namespace postern
