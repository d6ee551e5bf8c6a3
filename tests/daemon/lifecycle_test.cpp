// DaemonLifecycle (common/daemon/lifecycle.h), the daemons' one start-up and reload path, driven
// through a fake front-end that records each hook call, with the operating-system steps
// (privileges, descriptor limit, logger) injected: a configuration that does not load exits 78
// before anything is built; -t prints "ok FILE"; each failing start step gives its exit status and
// one stderr line; the started, reloaded and reload_refused lines are exact; a reload with a bad
// configuration keeps the running service and logs one line; a restart-only change is named on
// every reload until the values of the start come back, and is never applied (no second socket,
// no second privilege drop). Reloads are run by the fake's serve() on the calling thread.
#include "common/daemon/lifecycle.h"

#include <gtest/gtest.h>

#include <sstream>

#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

const char kBase[] =
    "[log]\n"
    "destination = \"stderr\"\n"
    "[policyd]\n"
    "socket = \"inet:127.0.0.1:10040\"\n"
    "user = \"mail\"\n"
    "group = \"mail\"\n";

// What the configuration reader says of max_connections = "many", as printed and as logged.
const std::string kBadValue = "policyd.max_connections: expected an integer from 1 to 100000, got \"many\"";
const std::string kBadValueLogged =
    "policyd.max_connections: expected an integer from 1 to 100000, got \\\"many\\\"";

// A front-end whose service is its max_connections; build() refuses a max_connections of 7.
class FakeFrontEnd final : public DaemonFrontEnd {
 public:
  std::string name() const override { return "fake-daemon"; }
  DaemonSettings settings(const Config& c) const override {
    return {"policyd", c.policyd.socket, c.policyd.user, c.policyd.group};
  }
  void restart_only(const Config& running, const Config& next, RestartNotes& notes) const override {
    notes.note(running.policyd.workers != next.policyd.workers, "policyd.workers");
  }
  void use_logger(std::shared_ptr<Logger> log) override { log_ = std::move(log); }
  uint64_t fds_needed(const Config& c) const override {
    return static_cast<uint64_t>(c.policyd.max_connections);
  }
  void fd_limit_low(const Config&, const FdLimit& l, LogLine& line) const override {
    line.kv("needed", static_cast<unsigned long long>(l.needed));
  }
  std::vector<std::string> check(const Config& c, const std::string& path) override {
    ++checks;
    if (c.policyd.max_connections == 7) return {path + ": seven is refused"};
    return {};
  }
  StartStep open(const Config&) override {
    ++opens;
    return open_error;
  }
  Built build(const Config& c, const std::string& path) override {
    ++builds;
    if (c.policyd.max_connections == 7) return {{path + ": seven is refused", path + ": and more"}, nullptr};
    return {{}, [this, n = c.policyd.max_connections] { service = n; }};
  }
  StartStep listen(const SocketSpec& spec, const Config&) override {
    ++listens;
    listened_on = spec.str();
    return listen_error;
  }
  void summary(Summary kind, LogLine& line) const override {
    line.kv(kind == Summary::started ? "first_service" : "service", service);
  }
  int serve(const std::function<void()>& reload) override {
    if (script) script(reload);
    return 3;
  }
  void stopped(LogLine& line) const override { line.kv("service", service); }

  std::shared_ptr<Logger> log_;
  StartStep open_error, listen_error;
  std::function<void(const std::function<void()>&)> script;
  int checks = 0, opens = 0, builds = 0, listens = 0;
  int service = 0;  // what is in force
  std::string listened_on;
};

class DaemonLifecycleTest : public ::testing::Test {
 protected:
  DaemonLifecycleTest() {
    conf_ = dir_.write("postern.conf", kBase).string();
    args_.config_path = conf_;
  }

  DaemonSystem system() {
    DaemonSystem s;
    s.drop_privileges = [this](const std::string& user, const std::string& group) -> Result<std::string> {
      drops.push_back(user + ":" + group);
      if (drop_fails) return Error::perm("no such user: " + user);
      return "running as " + user + ":" + group;
    };
    s.raise_fd_limit = [this](uint64_t needed) {
      FdLimit l;
      l.before = l.now = l.hard = fd_limit;
      l.needed = needed;
      return l;
    };
    s.make_logger = [this](const LogConfig&, const std::string& ident, bool force_stderr) {
      idents.push_back(ident + (force_stderr ? " stderr" : ""));
      return std::make_shared<Logger>(sink_, LogLevel::info);
    };
    s.out = &out_;
    s.err = &err_;
    return s;
  }

  int run() { return DaemonLifecycle(fe_, args_, system()).run(); }
  void rewrite(const std::string& text) { dir_.write("postern.conf", text); }
  std::string log() const { return sink_->text(); }

  test::TempDir dir_{"postern-lifecycle"};
  std::string conf_;
  DaemonArgs args_;
  FakeFrontEnd fe_;
  std::shared_ptr<MemorySink> sink_ = std::make_shared<MemorySink>();
  std::ostringstream out_, err_;
  std::vector<std::string> drops, idents;
  bool drop_fails = false;
  uint64_t fd_limit = 100000;
};

TEST_F(DaemonLifecycleTest, ALoadErrorExits78BeforeAnythingIsBuilt) {
  rewrite(std::string(kBase) + "max_connections = \"many\"\n");
  EXPECT_EQ(run(), 78);
  EXPECT_EQ(err_.str(), conf_ + ":7: " + kBadValue + "\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(fe_.opens + fe_.builds + fe_.listens + fe_.checks, 0);
  EXPECT_TRUE(idents.empty()) << "no logger before the configuration loads";
  EXPECT_EQ(log(), "");
}

// The configuration reader checks the socket with the daemons' own parser, so the core path's
// check of [<section>].socket never sees a bad one first.
TEST_F(DaemonLifecycleTest, ABadSocketExits78NamingTheSectionsKey) {
  rewrite("[policyd]\nsocket = \"tcp:nowhere\"\n");
  EXPECT_EQ(run(), 78);
  EXPECT_EQ(err_.str(),
            conf_ + ":2: policyd.socket: \"tcp:nowhere\": expected unix:/PATH or inet:HOST:PORT\n");
  EXPECT_EQ(fe_.builds, 0);
  EXPECT_TRUE(idents.empty());
}

TEST_F(DaemonLifecycleTest, CheckOnlyPrintsOkOrTheProblemsAndStartsNothing) {
  args_.check_only = true;
  EXPECT_EQ(run(), 0);
  EXPECT_EQ(out_.str(), "ok " + conf_ + "\n");
  EXPECT_EQ(idents, std::vector<std::string>{"fake-daemon stderr"});
  EXPECT_EQ(fe_.checks, 1);
  EXPECT_EQ(fe_.opens + fe_.builds + fe_.listens, 0);
  EXPECT_TRUE(drops.empty());

  out_.str("");
  rewrite(std::string(kBase) + "max_connections = 7\n");
  EXPECT_EQ(run(), 78);
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(), conf_ + ": seven is refused\n");
}

TEST_F(DaemonLifecycleTest, StartedAndStoppedLinesAreExact) {
  fd_limit = 1000;
  EXPECT_EQ(run(), 3) << "serve()'s status is the exit status";
  EXPECT_EQ(idents, std::vector<std::string>{"fake-daemon"});
  EXPECT_EQ(fe_.listened_on, "inet:127.0.0.1:10040");
  EXPECT_EQ(drops, std::vector<std::string>{"mail:mail"});
  EXPECT_EQ(log(),
            "started socket=inet:127.0.0.1:10040 first_service=1000 fd_limit=1000 "
            "privileges=\"running as mail:mail\"\n"
            "stopped service=1000\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(DaemonLifecycleTest, ALowDescriptorLimitIsOneLineBeforeStarted) {
  fd_limit = 64;
  EXPECT_EQ(run(), 3);
  EXPECT_EQ(log().rfind("fd_limit_low limit=64 needed=1000\nstarted ", 0), 0u) << log();
}

TEST_F(DaemonLifecycleTest, EachFailingStartStepGivesItsStatusAndOneStderrLine) {
  fe_.open_error = StartError{78, "dns: no servers"};
  EXPECT_EQ(run(), 78);
  EXPECT_EQ(err_.str(), "fake-daemon: dns: no servers\n");
  EXPECT_EQ(fe_.builds, 0);

  err_.str("");
  fe_.open_error.reset();
  fe_.listen_error = StartError{1, "cannot bind"};
  EXPECT_EQ(run(), 1);
  EXPECT_EQ(err_.str(), "fake-daemon: cannot bind\n");
  EXPECT_TRUE(drops.empty()) << "privileges are dropped only after the socket is open";

  err_.str("");
  fe_.listen_error.reset();
  drop_fails = true;
  EXPECT_EQ(run(), 1);
  EXPECT_EQ(err_.str(), "fake-daemon: no such user: mail\n");
  EXPECT_EQ(log().find("started"), std::string::npos) << log();

  err_.str("");
  drop_fails = false;
  rewrite(std::string(kBase) + "max_connections = 7\n");
  EXPECT_EQ(run(), 78);
  EXPECT_EQ(err_.str(), conf_ + ": seven is refused\n" + conf_ + ": and more\n");
}

TEST_F(DaemonLifecycleTest, ABadReloadKeepsTheRunningServiceAndLogsOneLine) {
  fe_.script = [&](const std::function<void()>& reload) {
    rewrite(std::string(kBase) + "max_connections = 20\n");
    reload();
    EXPECT_EQ(fe_.service, 20);
    rewrite(std::string(kBase) + "max_connections = \"many\"\n");
    reload();
    EXPECT_EQ(fe_.service, 20) << "a file that does not load changes nothing";
    rewrite(std::string(kBase) + "max_connections = 7\n");
    reload();
    EXPECT_EQ(fe_.service, 20) << "a file that does not build changes nothing";
  };
  EXPECT_EQ(run(), 3);
  const std::string log_text = log();
  const size_t reloads = log_text.find("reloaded ");
  ASSERT_NE(reloads, std::string::npos) << log_text;
  EXPECT_EQ(log_text.substr(reloads),
            "reloaded config=" + conf_ + " service=20\n" + "reload_refused config=" + conf_ +
                " errors=1 first=\"" + conf_ + ":7: " + kBadValueLogged + "\"\n" + "reload_refused config=" +
                conf_ + " errors=2 first=\"" + conf_ + ": seven is refused\"\n" + "stopped service=20\n");
  EXPECT_EQ(fe_.builds, 3) << "the start, and two reloads that loaded";
}

TEST_F(DaemonLifecycleTest, ARestartOnlyChangeIsNamedOnEveryReloadAndNeverApplied) {
  std::string moved = kBase;
  moved.replace(moved.find("10040"), 5, "10041");
  moved.replace(moved.find("user = \"mail\""), 13, "user = \"news\"");
  moved.replace(moved.find("\"stderr\""), 8, "\"syslog\"");
  moved += "workers = 3\n";
  fe_.script = [&](const std::function<void()>& reload) {
    rewrite(moved);
    reload();
    reload();  // the same file again: still not in force
    rewrite(kBase);
    reload();  // back to the values of the start
  };
  EXPECT_EQ(run(), 3);
  const std::string changed = " restart_needed_for=policyd.socket,policyd.user,policyd.workers,log\n";
  EXPECT_EQ(log().substr(log().find("reloaded ")), "reloaded config=" + conf_ + " service=1000" + changed +
                                                       "reloaded config=" + conf_ + " service=1000" +
                                                       changed + "reloaded config=" + conf_ +
                                                       " service=1000\n" + "stopped service=1000\n");
  EXPECT_EQ(fe_.listens, 1);
  EXPECT_EQ(fe_.listened_on, "inet:127.0.0.1:10040");
  EXPECT_EQ(drops, std::vector<std::string>{"mail:mail"});
  EXPECT_EQ(fe_.opens, 1);
  EXPECT_EQ(idents.size(), 1u) << "the logger is made once";
}

TEST(RestartNotes, JoinsTheKeysThatDifferInOrder) {
  RestartNotes n;
  n.note(false, "a");
  n.note(true, "b");
  n.note(false, "c");
  n.note(true, "d");
  EXPECT_EQ(n.str(), "b,d");
}

}  // namespace
}  // namespace postern
