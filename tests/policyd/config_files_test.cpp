// postern-policyd -t with files that are not regular files: an allowlist_files entry naming a
// FIFO (which blocked the check and SIGTERM forever) or /dev/zero (which grew memory until
// std::bad_alloc) is refused at once with an error naming the file and exit 78.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

test::CommandResult check_with_allowlist(const test::TempDir& dir, const std::string& allowlist) {
  auto conf =
      dir.write("postern.conf", "[dns]\nservers = [\"127.0.0.1:1\"]\n[store]\nlmdb_path = \"" +
                                    (dir / "state").string() +
                                    "\"\n[policyd.greylist]\nallowlist_files = [\"" + allowlist + "\"]\n");
  return test::run_command({POLICYD, "-t", "-c", conf.string()}, "", std::chrono::seconds(10));
}

TEST(PolicydConfigFiles, AnAllowlistThatIsAFifoIsRefusedPromptly) {
  test::TempDir dir;
  auto fifo = (dir / "allow.fifo").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  auto r = check_with_allowlist(dir, fifo);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(fifo + ": not a regular file (a FIFO)"), std::string::npos) << r.output;
}

TEST(PolicydConfigFiles, AnAllowlistThatIsDevZeroIsRefused) {
  test::TempDir dir;
  auto r = check_with_allowlist(dir, "/dev/zero");
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("/dev/zero: not a regular file"), std::string::npos) << r.output;
}

TEST(PolicydConfigFiles, AnOversizedAllowlistIsRefusedNamingTheLimit) {
  test::TempDir dir;
  auto big = dir.write("big", std::string(4 * 1024 * 1024 + 1, '#'));
  auto r = check_with_allowlist(dir, big.string());
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(big.string() + ": larger than the limit of"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace postern
