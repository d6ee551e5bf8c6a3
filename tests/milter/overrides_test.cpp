// milter/overrides/sigwait.cpp (contract in milter/overrides/overrides.h): a set holding SIGHUP
// and other signals is waited for without SIGHUP, which stays pending for the ReloadWatcher; a set
// of SIGHUP alone is libc's sigwait(). Signals are sent to this thread only (pthread_kill) and are
// blocked, so they stay pending until a wait takes them. alarm() ends a test that would hang.
#include "milter/overrides/overrides.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

namespace postern::test {
namespace {

sigset_t set_of(std::initializer_list<int> sigs) {
  sigset_t s;
  sigemptyset(&s);
  for (int n : sigs) sigaddset(&s, n);
  return s;
}

bool pending(int sig) {
  sigset_t p;
  sigpending(&p);
  return sigismember(&p, sig) == 1;
}

class Overrides : public ::testing::Test {
 protected:
  void SetUp() override {
    sigset_t block = set_of({SIGHUP, SIGUSR1});
    pthread_sigmask(SIG_BLOCK, &block, nullptr);
    alarm(20);  // a wait that never returns fails the test instead of hanging it
  }
  void TearDown() override { alarm(0); }
};

TEST_F(Overrides, SigwaitLeavesSighupPendingWhenOtherSignalsAreInTheSet) {
  pthread_kill(pthread_self(), SIGHUP);
  pthread_kill(pthread_self(), SIGUSR1);
  sigset_t both = set_of({SIGHUP, SIGUSR1});
  int sig = 0;
  ASSERT_EQ(sigwait(&both, &sig), 0);
  // libc's sigwait() would return SIGHUP, the lowest pending signal.
  EXPECT_EQ(sig, SIGUSR1);
  EXPECT_TRUE(pending(SIGHUP)) << "SIGHUP must stay for the ReloadWatcher";
  sigset_t hup = set_of({SIGHUP});
  ASSERT_EQ(sigwait(&hup, &sig), 0);
  EXPECT_EQ(sig, SIGHUP);
}

TEST_F(Overrides, SigwaitForSighupAloneReturnsIt) {
  // With SIGHUP taken out, the set would be empty and the wait would never return.
  pthread_kill(pthread_self(), SIGHUP);
  sigset_t hup = set_of({SIGHUP});
  int sig = 0;
  ASSERT_EQ(sigwait(&hup, &sig), 0);
  EXPECT_EQ(sig, SIGHUP);
  EXPECT_FALSE(pending(SIGHUP));
}

}  // namespace
}  // namespace postern::test
