// LMDB backend: several processes writing at once, kill -9 mid-write, map growth and its limit,
// foreign files, background purge thread lifecycle.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/store/lmdb_store.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

StoreConfig config_for(const test::TempDir& dir, int64_t map_mb = 1, int64_t max_mb = 64) {
  StoreConfig c;
  c.lmdb_path = (dir / "db").string();
  c.lmdb_map_size_mb = map_mb;
  c.lmdb_max_map_size_mb = max_mb;
  return c;
}

TEST(LmdbStore, SeveralProcessesIncrementOneCounterExactly) {
  test::TempDir dir;
  StoreConfig c = config_for(dir);
  SystemClock clock;
  { ASSERT_TRUE(LmdbStore::open(c, clock, false).ok()); }  // create before forking
  constexpr int kChildren = 4, kEach = 500;
  std::vector<pid_t> kids;
  for (int i = 0; i < kChildren; ++i) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      SystemClock child_clock;
      auto s = LmdbStore::open(c, child_clock, false);
      if (!s) _exit(2);
      for (int j = 0; j < kEach; ++j) {
        if (!(*s)->increment("shared", 1, Seconds(0))) _exit(3);
        if (!(*s)->put("child" + std::to_string(i) + ":" + std::to_string(j), "x", Seconds(0))) _exit(4);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t k : kids) {
    int st = 0;
    waitpid(k, &st, 0);
    EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << "child status " << st;
  }
  auto s = LmdbStore::open(c, clock, false);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*(*s)->get("shared"))->value, std::to_string(kChildren * kEach));
  EXPECT_EQ((*s)->scan("child", 100000)->size(), static_cast<size_t>(kChildren * kEach));
}

TEST(LmdbStore, KillNineMidWriteNeverCorrupts) {
  test::TempDir dir;
  StoreConfig c = config_for(dir, 1, 256);
  SystemClock clock;
  { ASSERT_TRUE(LmdbStore::open(c, clock, false).ok()); }
  for (int round = 0; round < 6; ++round) {
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(pipefd[0]);
      SystemClock child_clock;
      auto s = LmdbStore::open(c, child_clock, false);
      if (!s) _exit(2);
      std::string big(8000, static_cast<char>('a' + round));
      for (int j = 0;; ++j) {
        // Each put is one transaction; the counter and the value are written in separate ones,
        // so "count" can only be ahead of the number of complete values by at most one.
        (void)(*s)->put("r" + std::to_string(round) + ":" + std::to_string(j), big, Seconds(0));
        (void)(*s)->increment("count" + std::to_string(round), 1, Seconds(0));
        if (j == 50) (void)write(pipefd[1], "x", 1);
      }
    }
    close(pipefd[1]);
    char b;
    ASSERT_EQ(read(pipefd[0], &b, 1), 1);  // the child is writing for sure
    close(pipefd[0]);
    usleep(static_cast<useconds_t>(1000 * (round * 7 % 20)));  // vary the moment of the kill
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    ASSERT_TRUE(WIFSIGNALED(st));

    auto s = LmdbStore::open(c, clock, false);
    ASSERT_TRUE(s.ok()) << s.error().message;
    auto all = (*s)->scan("r", 1000000);
    ASSERT_TRUE(all.ok()) << all.error().message;
    for (const auto& e : *all) {
      ASSERT_EQ(e.value.size(), 8000u) << e.key;
      ASSERT_EQ(e.value.find_first_not_of(e.value[0]), std::string::npos) << e.key;
    }
    auto mine = (*s)->scan("r" + std::to_string(round) + ":", 1000000);
    ASSERT_TRUE(mine.ok());
    auto counter = (*s)->get("count" + std::to_string(round));
    ASSERT_TRUE(counter.ok() && counter->has_value());
    int64_t count = std::stoll((**counter).value);
    EXPECT_GE(count + 1, static_cast<int64_t>(mine->size()));
    EXPECT_LE(count, static_cast<int64_t>(mine->size()));
  }
  std::string mdb_stat = test::find_program("mdb_stat");
  if (!mdb_stat.empty()) {
    auto r = test::run_command({mdb_stat, "-e", c.lmdb_path});
    EXPECT_EQ(r.exit_code, 0) << r.output;
  }
}

TEST(LmdbStore, FullMapGrowsThenFailsClearlyAtTheLimit) {
  test::TempDir dir;
  StoreConfig c = config_for(dir, 1, 4);
  SystemClock clock;
  auto s = LmdbStore::open(c, clock, false);
  ASSERT_TRUE(s.ok());
  size_t initial = (*s)->map_size();
  std::string v(16000, 'v');
  Result<void> last;
  int i = 0;
  for (; i < 2000; ++i) {
    last = (*s)->put("k" + std::to_string(i), v, Seconds(0));
    if (!last) break;
  }
  EXPECT_GT((*s)->map_size(), initial);
  ASSERT_FALSE(last.ok()) << "4 MiB map never filled";
  EXPECT_NE(last.error().message.find("lmdb_max_map_size_mb"), std::string::npos) << last.error().message;
  // What was written before stays readable.
  EXPECT_TRUE((*s)->get("k0")->has_value());
}

TEST(LmdbStore, AFileThatIsNotLmdbIsAClearError) {
  test::TempDir dir;
  dir.write("db/data.mdb", std::string(65536, '\x42'));
  SystemClock clock;
  auto s = LmdbStore::open(config_for(dir), clock, false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not an LMDB database"), std::string::npos) << s.error().message;
}

TEST(LmdbStore, APathThatIsAFileIsAClearError) {
  test::TempDir dir;
  dir.write("db", "not a directory");
  SystemClock clock;
  auto s = LmdbStore::open(config_for(dir), clock, false);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("not a directory"), std::string::npos) << s.error().message;
}

TEST(LmdbStore, BackgroundPurgeThreadStartsAndStopsPromptly) {
  test::TempDir dir;
  StoreConfig c = config_for(dir);
  c.purge_interval = Seconds(3600);
  FakeClock clock;
  auto start = std::chrono::steady_clock::now();
  {
    auto s = LmdbStore::open(c, clock, true);
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->put("x", "y", Seconds(1)).ok());
  }  // the destructor wakes the thread instead of waiting out the interval
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(LmdbStore, ConcurrentThreadsInOneProcess) {
  test::TempDir dir;
  SystemClock clock;
  auto s = LmdbStore::open(config_for(dir), clock, false);
  ASSERT_TRUE(s.ok());
  Store& store = **s;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < 300; ++i) {
        (void)store.increment("t", 1, Seconds(0));
        (void)store.get("t");
        (void)store.put("th" + std::to_string(t) + ":" + std::to_string(i), "v", Seconds(0));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ((*store.get("t"))->value, "1200");
}

TEST(LmdbStore, GroupCommitKeepsEachWritersOwnResult) {
  test::TempDir dir;
  SystemClock clock;
  auto s = LmdbStore::open(config_for(dir), clock, false);
  ASSERT_TRUE(s.ok());
  Store& store = **s;
  ASSERT_TRUE(store.put("text", "not a number", Seconds(0)).ok());
  std::atomic<int> failures{0}, successes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        // Odd threads hit the non-integer key; their errors must not fail the even threads' writes
        // that share a transaction with them.
        auto r = store.increment(t % 2 ? "text" : "count", 1, Seconds(0));
        (r.ok() ? successes : failures)++;
        if (r.ok() == (t % 2 == 1)) ADD_FAILURE() << "thread " << t << " got the wrong outcome";
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(successes.load(), 800);
  EXPECT_EQ(failures.load(), 800);
  EXPECT_EQ((*store.get("count"))->value, "800");
  EXPECT_EQ((*store.get("text"))->value, "not a number");
}

}  // namespace
}  // namespace postern
