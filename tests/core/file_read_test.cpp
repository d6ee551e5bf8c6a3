// read_regular_file: regular files (and symlinks to them) are read whole up to the limit; a FIFO,
// a device, a directory, a missing file and an oversized file are refused at once with an error
// naming the file, never blocking (a FIFO without a writer) or growing without bound (/dev/zero).
#include "common/core/file_read.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

TEST(ReadRegularFile, ReadsARegularFileWhole) {
  test::TempDir dir;
  auto f = dir.write("a", "hello\nworld\n");
  struct stat st {};
  auto r = read_regular_file(f.string(), 100, &st);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "hello\nworld\n");
  EXPECT_EQ(st.st_size, 12);
  auto empty = read_regular_file(dir.write("e", "").string(), 100);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST(ReadRegularFile, ExactlyTheLimitIsReadOneByteMoreIsRefused) {
  test::TempDir dir;
  EXPECT_TRUE(read_regular_file(dir.write("a", std::string(64, 'x')).string(), 64).ok());
  auto r = read_regular_file(dir.write("b", std::string(65, 'x')).string(), 64);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().temporary());
  EXPECT_TRUE(contains(r.error().message, (dir / "b").string())) << r.error().message;
  EXPECT_TRUE(contains(r.error().message, "larger than the limit of 64 bytes")) << r.error().message;
}

TEST(ReadRegularFile, ASymlinkToARegularFileIsFollowed) {
  test::TempDir dir;
  auto f = dir.write("real", "data");
  std::filesystem::create_symlink(f, dir / "link");
  auto r = read_regular_file((dir / "link").string(), 100);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "data");
}

TEST(ReadRegularFile, AFifoIsRefusedWithoutBlocking) {
  test::TempDir dir;
  auto fifo = (dir / "fifo").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  auto r = read_regular_file(fifo, 100);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, fifo + ": not a regular file (a FIFO)")) << r.error().message;
  EXPECT_FALSE(check_regular_file(fifo).ok());
}

TEST(ReadRegularFile, DevZeroIsRefusedNotReadForever) {
  auto r = read_regular_file("/dev/zero", 1 << 20);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "/dev/zero: not a regular file (a character device)"))
      << r.error().message;
}

TEST(ReadRegularFile, ADirectoryIsRefused) {
  test::TempDir dir;
  auto r = read_regular_file(dir.str(), 100);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "not a regular file (a directory)")) << r.error().message;
}

TEST(ReadRegularFile, AMissingFileIsAPermanentErrorNamingIt) {
  test::TempDir dir;
  auto path = (dir / "none").string();
  auto r = read_regular_file(path, 100);
  ASSERT_FALSE(r.ok());
  EXPECT_FALSE(r.error().temporary());
  EXPECT_EQ(r.error().message, path + ": does not exist");
}

TEST(ReadRegularFile, AnUnreadableFileSaysWhy) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads everything";
  test::TempDir dir;
  auto f = dir.write("secret", "x");
  chmod(f.c_str(), 0);
  auto r = read_regular_file(f.string(), 100);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(contains(r.error().message, "Permission denied")) << r.error().message;
}

}  // namespace
}  // namespace postern
