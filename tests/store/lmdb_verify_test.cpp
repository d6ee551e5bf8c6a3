// LMDB damage: a truncated data file, flipped bytes in the meta pages and random corruption are
// refused at open with an error naming the file and the recovery, and whatever open accepts can be
// read and written without crashing. Each damaged store is opened in a child process, so a crash
// (SIGBUS, SIGSEGV, an LMDB assertion) is a test failure with the case named, not a crashed test
// binary. Healthy stores after heavy use must pass the walk (no false alarms).
#include "common/store/lmdb_verify.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include "common/store/lmdb_store.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

StoreConfig config_for(const std::string& dir) {
  StoreConfig c;
  c.lmdb_path = dir;
  c.lmdb_map_size_mb = 1;
  c.lmdb_max_map_size_mb = 64;
  return c;
}

// A store used the way policyd uses it, with values large enough for overflow pages, deletions
// (free pages) and expiries; returns the directory.
std::string make_used_store(const test::TempDir& dir, int keys = 3000) {
  std::string path = (dir / "db").string();
  FakeClock clock;
  auto s = LmdbStore::open(config_for(path), clock, false);
  EXPECT_TRUE(s.ok()) << s.error().message;
  std::mt19937 rng(7);
  std::vector<std::string> written;
  std::vector<StoreWrite> batch;
  int64_t now = clock.unix_seconds();
  for (int i = 0; i < keys; ++i) {
    std::string key = "gl:t:" + std::to_string(rng() % 100000) + "/sender" + std::to_string(i);
    size_t len = i % 97 == 0 ? 9000 : (rng() % 200);
    batch.push_back(
        StoreWrite{key, std::string(len, static_cast<char>('a' + i % 26)), i % 3 ? 0 : now + 10, false});
    written.push_back(key);
    if (i % 7 == 0) batch.push_back(StoreWrite{written[rng() % written.size()], "", 0, true});
    if (batch.size() >= 100) {  // one transaction (one sync) per batch
      EXPECT_TRUE((*s)->write_batch(batch, now).ok());
      batch.clear();
      (void)(*s)->increment("ctr:" + std::to_string(i % 50), 1, Seconds(0));
    }
  }
  EXPECT_TRUE((*s)->write_batch(batch, now).ok());
  clock.advance(Seconds(60));
  EXPECT_TRUE((*s)->purge_expired().ok());
  return path;
}

// Damaged stores tried per test: a few seconds' worth in CI; set POSTERN_LMDB_DAMAGE_CASES (say
// 5000) for a long run, POSTERN_LMDB_DAMAGE_SEED to repeat one random case.
constexpr int kDefaultCases = 80;
int corruption_cases() {
  const char* env = std::getenv("POSTERN_LMDB_DAMAGE_CASES");
  int n = env ? std::atoi(env) : 0;
  return n > 0 ? n : kDefaultCases;
}

std::string data_file(const std::string& dir) { return dir + "/data.mdb"; }

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// What a child did with a damaged store.
enum class Outcome { refused, worked, crashed };

// Opens the store in a child process; if it opens, reads everything and writes more. Exit 0
// worked, 3 refused (the message goes to refused_message when given), anything else crashed
// (1 is what a sanitizer's report exits with).
Outcome open_and_use_in_child(const std::string& dir, std::string* refused_message = nullptr,
                              std::string* crash = nullptr) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return Outcome::crashed;
  pid_t pid = fork();
  if (pid < 0) return Outcome::crashed;
  if (pid == 0) {
    close(pipefd[0]);
    SystemClock clock;
    auto s = LmdbStore::open(config_for(dir), clock, false);
    if (!s) {
      const std::string& m = s.error().message;
      (void)!write(pipefd[1], m.data(), m.size());
      _exit(3);
    }
    auto all = (*s)->scan("", 1000000);
    if (all)
      for (const auto& e : *all) (void)(*s)->get(e.key);
    // Writes in few transactions (each commit syncs): page splits, overflow pages, free pages.
    std::vector<StoreWrite> writes;
    for (int i = 0; i < 300; ++i)
      writes.push_back(
          StoreWrite{"new:" + std::to_string(i), std::string(i % 30 == 0 ? 7000 : 40, 'n'), 0, false});
    if (all)
      for (size_t i = 0; i < all->size(); i += 3) writes.push_back(StoreWrite{(*all)[i].key, "", 0, true});
    (void)(*s)->write_batch(writes, clock.unix_seconds());
    (void)(*s)->purge_expired();
    _exit(0);
  }
  close(pipefd[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  if (WIFEXITED(st) && WEXITSTATUS(st) == 0) return Outcome::worked;
  if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
    if (refused_message) *refused_message = msg;
    return Outcome::refused;
  }
  if (crash)
    *crash = WIFSIGNALED(st) ? "signal " + std::to_string(WTERMSIG(st))
                             : "exit " + std::to_string(WEXITSTATUS(st));
  return Outcome::crashed;
}

TEST(LmdbVerify, AHealthyStoreAfterHeavyUsePassesWithExactCounts) {
  test::TempDir dir;
  std::string path = make_used_store(dir);
  auto v = verify_lmdb_dir(path);
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE(v->exists);
  EXPECT_GT(v->entries, 1000u);
  EXPECT_GT(v->free_pages, 0u);
  EXPECT_LE(v->tree_pages + v->free_pages + 2, v->pages);
  // Open (which walks too) and use it again: still sound.
  EXPECT_EQ(open_and_use_in_child(path), Outcome::worked);
  auto again = verify_lmdb_dir(path);
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST(LmdbVerify, NoStoreYetIsFine) {
  test::TempDir dir;
  auto v = verify_lmdb_dir((dir / "none").string());
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_FALSE(v->exists);
}

TEST(LmdbVerify, ATruncatedFileIsRefusedAtOpenNamingTheFileAndTheRecovery) {
  test::TempDir dir;
  std::string path = make_used_store(dir);
  auto size = std::filesystem::file_size(data_file(path));
  std::filesystem::resize_file(data_file(path), size / 2);
  std::string message;
  ASSERT_EQ(open_and_use_in_child(path, &message), Outcome::refused);
  EXPECT_NE(message.find(data_file(path)), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  EXPECT_NE(message.find("posternctl store reset"), std::string::npos) << message;
  auto v = verify_lmdb_dir(path);
  ASSERT_FALSE(v.ok());
  EXPECT_FALSE(v.error().temporary());
}

TEST(LmdbVerify, EveryFlippedByteInTheMetaPagesIsRefusedOrHarmless) {
  test::TempDir dir;
  std::string path = make_used_store(dir, 600);
  const std::string pristine = read_all(data_file(path));
  size_t page = 4096;
  int refused = 0;
  const size_t kMetaStep = corruption_cases() > kDefaultCases ? 1 : 3;  // every byte in a long run
  for (size_t meta = 0; meta < 2; ++meta) {
    for (size_t off = 0; off < 152; off += kMetaStep) {
      std::string bytes = pristine;
      bytes[meta * page + off] = static_cast<char>(bytes[meta * page + off] ^ 0x5a);
      write_all(data_file(path), bytes);
      std::filesystem::remove(path + "/lock.mdb");
      std::string crash;
      Outcome o = open_and_use_in_child(path, nullptr, &crash);
      ASSERT_NE(o, Outcome::crashed) << "meta " << meta << " byte " << off << ": " << crash;
      if (o == Outcome::refused) ++refused;
    }
  }
  EXPECT_GT(refused, 30);
}

TEST(LmdbVerify, RandomCorruptionIsRefusedOrHarmlessNeverACrash) {
  test::TempDir dir;
  std::string path = make_used_store(dir, 1500);
  const std::string pristine = read_all(data_file(path));
  int refused = 0, worked = 0;
  const int seeds = corruption_cases();
  const char* only = std::getenv("POSTERN_LMDB_DAMAGE_SEED");  // to reproduce one case
  for (int seed = only ? std::atoi(only) : 1; seed <= (only ? std::atoi(only) : seeds); ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::string bytes = pristine;
    int flips = 1 + static_cast<int>(rng() % 12);
    for (int i = 0; i < flips; ++i) {
      size_t at = rng() % bytes.size();
      bytes[at] = static_cast<char>(rng() % 3 == 0 ? 0 : rng());
    }
    // Sometimes a whole page of garbage or zeros, as a torn write would leave.
    if (seed % 5 == 0) {
      size_t pg = 2 + rng() % (bytes.size() / 4096 - 2);
      for (size_t i = 0; i < 4096; ++i) bytes[pg * 4096 + i] = seed % 10 == 0 ? 0 : static_cast<char>(rng());
    }
    write_all(data_file(path), bytes);
    std::filesystem::remove(path + "/lock.mdb");
    std::string crash;
    Outcome o = open_and_use_in_child(path, nullptr, &crash);
    ASSERT_NE(o, Outcome::crashed) << "seed " << seed << ": " << crash;
    (o == Outcome::refused ? refused : worked)++;
  }
  if (!only) {
    EXPECT_GT(refused, 0);
    EXPECT_GT(worked, 0);
  }
}

TEST(LmdbVerify, ADataFileThatIsAFifoIsRefusedWithoutBlocking) {
  test::TempDir dir;
  std::filesystem::create_directories(dir / "db");
  ASSERT_EQ(mkfifo((dir / "db/data.mdb").c_str(), 0600), 0);
  auto c = check_lmdb_file((dir / "db/data.mdb").string());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("not a regular file"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace postern
