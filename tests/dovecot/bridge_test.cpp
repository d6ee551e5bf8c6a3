// The C bridge of the Dovecot passdb (dovecot-plugin/bridge.h) driven as passdb-postern.c drives
// it, without Dovecot: load, start, submit, collect on the eventfd, free. Bad files (a FIFO as
// the config or passwd-file) and a damaged LMDB store come back as errors or tempfails at once,
// never a hang or a crash in the auth process; a hash above the work cap answers like a wrong
// password; every cookie comes back exactly once; a login that waited past the queue deadline
// tempfails without hashing.
#include "dovecot-plugin/bridge.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

#include "common/auth/password_hash.h"
#include "common/store/lmdb_store.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

bool contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

struct Answer {
  postern_auth_status status;
  std::string reason;
};
std::map<void*, Answer>* g_answers = nullptr;
int g_calls = 0;

void on_done(void* cookie, postern_auth_status status, unsigned /*delay*/, const char* reason) {
  ++g_calls;
  (*g_answers)[cookie] = Answer{status, reason ? reason : ""};
}

// Collects until `want` answers arrived or 20 s passed (poll on the bridge's fd, no sleeping).
std::map<void*, Answer> collect(postern_auth* a, int fd, size_t want) {
  std::map<void*, Answer> answers;
  g_answers = &answers;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (answers.size() < want && std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 1000) > 0) postern_auth_collect(a, on_done);
  }
  g_answers = nullptr;
  return answers;
}

struct Bridge {
  test::TempDir dir{"postern-bridge"};
  std::string config(const std::string& auth) {
    return dir
        .write("postern.conf", "[log]\ndestination = \"stderr\"\n[store]\nlmdb_path = \"" +
                                   (dir / "state").string() +
                                   "\"\nlmdb_map_size_mb = 8\n[auth]\nthreads = 2\n" + auth)
        .string();
  }
};

TEST(DovecotBridge, AConfigThatIsAFifoIsRefusedAtOnce) {
  Bridge b;
  auto fifo = (b.dir / "postern.conf").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  char error[1024] = "";
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(postern_auth_load(fifo.c_str(), error, sizeof error), nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(contains(error, "not a regular file (a FIFO)")) << error;
}

TEST(DovecotBridge, ADamagedStoreFailsTheStartNamingTheFileAndTheRecovery) {
  Bridge b;
  StoreConfig sc;
  sc.lmdb_path = (b.dir / "state").string();
  SystemClock clock;
  {
    auto s = LmdbStore::open(sc, clock, false);
    ASSERT_TRUE(s.ok());
    std::vector<StoreWrite> w;
    for (int i = 0; i < 500; ++i)
      w.push_back({"auth:fail:u" + std::to_string(i), std::string(100, 'x'), 0, false});
    ASSERT_TRUE((*s)->write_batch(w, clock.unix_seconds()).ok());
  }
  auto data = sc.lmdb_path + "/data.mdb";
  std::filesystem::resize_file(data, std::filesystem::file_size(data) / 2);
  b.dir.write("users", "");
  auto conf =
      b.config("passwd_file = \"" + (b.dir / "users").string() + "\"\n[auth.lockout]\nenabled = true\n");
  char error[2048] = "";
  postern_auth* a = postern_auth_load(conf.c_str(), error, sizeof error);
  ASSERT_NE(a, nullptr) << error;
  EXPECT_EQ(postern_auth_start(a, error, sizeof error), -1);
  EXPECT_TRUE(contains(error, data) && contains(error, "posternctl store reset")) << error;
  postern_auth_free(a);
}

TEST(DovecotBridge, EveryLoginComesBackOnceAndACostlyHashAnswersLikeAWrongPassword) {
  Bridge b;
  b.dir.write("users", "alice@example.org:{SHA512-CRYPT}" + *make_sha512_crypt("alice-pw") + "\n" +
                           "costly@example.org:{SHA512-CRYPT}$6$rounds=999999999$abcdefgh$" +
                           std::string(86, 'A') + "\n");
  auto conf =
      b.config("passwd_file = \"" + (b.dir / "users").string() + "\"\n[auth.lockout]\nenabled = false\n");
  char error[1024] = "";
  postern_auth* a = postern_auth_load(conf.c_str(), error, sizeof error);
  ASSERT_NE(a, nullptr) << error;
  int fd = postern_auth_start(a, error, sizeof error);
  ASSERT_GE(fd, 0) << error;
  int cookies[4];
  g_calls = 0;
  postern_auth_submit(a, "alice@example.org", "alice-pw", "192.0.2.1", &cookies[0]);
  postern_auth_submit(a, "alice@example.org", "wrong", "192.0.2.1", &cookies[1]);
  postern_auth_submit(a, "costly@example.org", "anything", nullptr, &cookies[2]);
  postern_auth_submit(a, "nobody@example.org", "x", "not an address", &cookies[3]);
  auto start = std::chrono::steady_clock::now();
  auto got = collect(a, fd, 4);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(15));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(g_calls, 4);
  EXPECT_EQ(got[&cookies[0]].status, POSTERN_AUTH_OK);
  EXPECT_EQ(got[&cookies[1]].status, POSTERN_AUTH_MISMATCH);
  EXPECT_EQ(got[&cookies[2]].status, POSTERN_AUTH_MISMATCH) << got[&cookies[2]].reason;
  EXPECT_EQ(got[&cookies[3]].status, POSTERN_AUTH_UNKNOWN_USER);
  postern_auth_free(a);
}

TEST(DovecotBridge, APasswdFileThatIsAFifoTempfailsTheLoginWithoutHanging) {
  Bridge b;
  auto fifo = (b.dir / "users").string();
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto conf = b.config("passwd_file = \"" + fifo + "\"\n[auth.lockout]\nenabled = false\n");
  char error[1024] = "";
  postern_auth* a = postern_auth_load(conf.c_str(), error, sizeof error);
  ASSERT_NE(a, nullptr) << error;
  int fd = postern_auth_start(a, error, sizeof error);
  ASSERT_GE(fd, 0) << error;
  int cookie = 0;
  postern_auth_submit(a, "alice@example.org", "pw", "192.0.2.1", &cookie);
  auto got = collect(a, fd, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[&cookie].status, POSTERN_AUTH_TEMPFAIL);
  EXPECT_TRUE(contains(got[&cookie].reason, fifo)) << got[&cookie].reason;
  postern_auth_free(a);
}

TEST(DovecotBridge, ALoginThatWaitedTooLongForAThreadTempfailsWithoutHashing) {
  Bridge b;
  // The first two logins keep both threads busy hashing (400,000 rounds) while the clock moves
  // past the queue deadline; the third is still queued then.
  b.dir.write("users", "alice@example.org:{SHA512-CRYPT}" + *make_sha512_crypt("alice-pw", 400000) + "\n");
  auto conf =
      b.config("passwd_file = \"" + (b.dir / "users").string() + "\"\n[auth.lockout]\nenabled = false\n");
  char error[1024] = "";
  postern_auth* a = postern_auth_load(conf.c_str(), error, sizeof error);
  ASSERT_NE(a, nullptr) << error;
  FakeClock clock;
  postern_auth_set_clock(a, &clock);
  int fd = postern_auth_start(a, error, sizeof error);
  ASSERT_GE(fd, 0) << error;
  int cookies[3];
  postern_auth_submit(a, "alice@example.org", "alice-pw", nullptr, &cookies[0]);
  postern_auth_submit(a, "alice@example.org", "alice-pw", nullptr, &cookies[1]);
  postern_auth_submit(a, "alice@example.org", "alice-pw", nullptr, &cookies[2]);
  clock.advance(std::chrono::seconds(31));
  auto got = collect(a, fd, 3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[&cookies[2]].status, POSTERN_AUTH_TEMPFAIL);
  EXPECT_TRUE(contains(got[&cookies[2]].reason, "waited 31 s for a hashing thread"))
      << got[&cookies[2]].reason;
  postern_auth_free(a);
}

}  // namespace
}  // namespace postern
