// postern-milter reloads its configuration on SIGHUP: a running daemon (started as the tests
// start it, in the foreground) is driven through the milter protocol by the milter client library.
// A new DKIM key in the config is used after SIGHUP, by new connections and by a connection that
// was open across the reload (from its next message); a config that does not load is refused with
// a log line and the running config stays; several SIGHUPs in a row never stop the daemon (plain
// libmilter would stop on the first one); SIGTERM still stops it cleanly; a file that crashed the
// old TOML reader is refused; restart_needed_for= compares with the values the milter started with.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <string>

#include "common/dkim/private_key.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tools/milterclient/session.h"

namespace postern::test {
namespace {

const char kMessage[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Subject: reload test\r\n"
    "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
    "Message-ID: <reload-1@example.org>\r\n"
    "\r\n"
    "Hello Bob.\r\n";

class MilterReload : public ::testing::Test {
 protected:
  void SetUp() override {
    chmod(dir_.path().c_str(), 0755);
    auto pem = generate_dkim_private_key_pem(DkimKeyType::ed25519, 0);
    ASSERT_TRUE(pem) << pem.error().message;
    key_ = dir_.write("example.org.key", *pem).string();
    chmod(key_.c_str(), 0644);  // readable after the milter drops to nobody
    socket_ = (dir_.path() / "milter.sock").string();
    conf_ = dir_.write("postern.conf", config(false)).string();
    chmod(conf_.c_str(), 0644);
    milter_ = std::make_unique<Process>(std::vector<std::string>{MILTER, "-f", "-c", conf_},
                                        (dir_.path() / "milter").string());
    ASSERT_TRUE(wait_for_unix(socket_)) << milter_->output();
  }

  std::string config(bool with_key, const std::string& extra = "") const {
    std::string c = "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"" + dns_.address() +
                    "\"]\n[milter]\nsocket = \"unix:" + socket_ +
                    "\"\nuser = \"nobody\"\ngroup = \"nogroup\"\nauthserv_id = \"mx.example.org\"\n" + extra +
                    "[dkim]\ninternal_networks = []\n";
    if (with_key)
      c += "[[dkim.key]]\ndomain = \"example.org\"\nselector = \"s1\"\nkey_file = \"" + key_ + "\"\n";
    return c;
  }

  void rewrite(const std::string& text) { dir_.write("postern.conf", text); }

  std::unique_ptr<mta::Connection> open() {
    mta::ClientOptions o;
    o.milter = *parse_socket_spec("unix:" + socket_);
    auto c = mta::Connection::open(o);
    EXPECT_TRUE(c) << c.error().message << milter_->output();
    return c ? std::move(*c) : nullptr;
  }

  // Runs alice's authenticated message; "signed", "unsigned" or what went wrong.
  std::string send(mta::Connection& c) {
    mta::Envelope e;
    e.client_ip = "192.0.2.10";
    e.from = "alice@example.org";
    e.rcpts = {"bob@example.net"};
    e.macros[mta::cmd::mail] = {{"{auth_authen}", "alice@example.org"}, {"i", "Q1"}};
    auto m = mta::parse_message(kMessage);
    if (!m) return "bad message: " + m.error().message;
    auto v = c.run(e, *m);
    if (!v) return "error: " + v.error().message;
    if (v->action != mta::Action::accept) return "refused: " + v->reply;
    for (const auto& mod : v->modifications) {
      if (mod.name == "DKIM-Signature" && mod.value.find("d=example.org") != std::string::npos)
        return "signed";
    }
    return "unsigned";
  }

  std::string send_new() {
    auto c = open();
    return c ? send(*c) : "no connection";
  }

  bool output_has(const std::string& needle, size_t times = 1) {
    return wait_until([&] {
      std::string out = milter_->output();
      size_t n = 0;
      for (size_t p = out.find(needle); p != std::string::npos; p = out.find(needle, p + 1)) ++n;
      return n >= times;
    });
  }

  TestDnsServer dns_;
  TempDir dir_{"postern-milter-reload"};
  std::string key_, socket_, conf_;
  std::unique_ptr<Process> milter_;
};

TEST_F(MilterReload, NewKeyIsUsedAfterSighupByNewAndOpenConnections) {
  auto held = open();
  ASSERT_TRUE(held);
  EXPECT_EQ(send(*held), "unsigned");
  EXPECT_EQ(send_new(), "unsigned");

  rewrite(config(true));
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reloaded")) << milter_->output();
  EXPECT_TRUE(milter_->running());
  EXPECT_EQ(send_new(), "signed") << milter_->output();
  EXPECT_EQ(send(*held), "signed") << "a connection open across the reload moves on at its next message";
  EXPECT_NE(milter_->output().find("dkim_sign=\"1 keys\""), std::string::npos) << milter_->output();
}

TEST_F(MilterReload, BadConfigIsRefusedAndTheRunningOneStays) {
  rewrite(config(true));
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reloaded")) << milter_->output();
  ASSERT_EQ(send_new(), "signed");

  rewrite(config(false, "no_such_key = 1\n"));
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reload_refused")) << milter_->output();
  EXPECT_NE(milter_->output().find("no_such_key"), std::string::npos) << milter_->output();
  EXPECT_TRUE(milter_->running());
  EXPECT_EQ(send_new(), "signed") << "the refused config must not replace the running one";

  // A key file that cannot be read is refused the same way, naming the file.
  rewrite(config(true));
  chmod(key_.c_str(), 0600);
  if (geteuid() != 0) {
    chmod(key_.c_str(), 0000);  // not root: our own file must become unreadable to us
  }
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reload_refused", 2)) << milter_->output();
  EXPECT_TRUE(milter_->running());
  EXPECT_EQ(send_new(), "signed");
}

TEST_F(MilterReload, RepeatedSighupNeverStopsAndSigtermDoes) {
  rewrite(config(true, "message_timeout = \"20s\"\n"));
  for (int i = 0; i < 5; ++i) milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reloaded")) << milter_->output();
  EXPECT_TRUE(milter_->running()) << milter_->output();
  EXPECT_EQ(send_new(), "signed") << milter_->output();

  // Settings that only a restart can apply are named in the reload line.
  std::string other_user = config(true);
  other_user.replace(other_user.find("user = \"nobody\""), 15, "user = \"daemon\"");
  rewrite(other_user);
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("restart_needed_for=milter.user")) << milter_->output();
  EXPECT_TRUE(milter_->running());

  // libmilter looks at its stop flag every 5 s; the sanitizer builds need a moment more to exit.
  EXPECT_EQ(milter_->stop(std::chrono::seconds(30)), 0) << milter_->output();
  EXPECT_NE(milter_->output().find("stopped"), std::string::npos) << milter_->output();
}

// Issue 15 item 2: a SIGHUP with a file that crashed the old TOML reader (deep nesting after a
// multi-line string with an odd number of quotes) is refused, and the milter keeps serving.
TEST_F(MilterReload, HostileTomlIsRefusedAndTheMilterKeepsServing) {
  const std::string odd = "[dmarc]\nreject_text = '''\nthe sender's domain\n'''\n";
  std::string dotted = "a";
  for (int i = 0; i < 100000; ++i) dotted += ".a";
  std::string inline_tables;
  for (int i = 0; i < 100000; ++i) inline_tables += "{a=";
  inline_tables += "1" + std::string(100000, '}');
  const std::string tails[] = {"a = " + std::string(100000, '[') + std::string(100000, ']') + "\n",
                               "a = " + inline_tables + "\n", dotted + " = 1\n"};
  size_t refused = 0;
  for (const auto& tail : tails) {
    rewrite(odd + tail + config(true));
    milter_->signal(SIGHUP);
    ASSERT_TRUE(output_has("reload_refused", ++refused)) << milter_->output().substr(0, 2000);
    EXPECT_TRUE(milter_->running());
    EXPECT_EQ(send_new(), "unsigned") << "the running configuration stays";
  }
  EXPECT_NE(milter_->output().find("postern.conf:5:"), std::string::npos)
      << milter_->output().substr(0, 2000);
}

// Issue 21 item 3: restart_needed_for= compares with the values in force (those of the start),
// over several reloads, and [log] (destination included) is one of them.
TEST_F(MilterReload, RestartNeededForComparesWithTheRunningValuesOverSeveralReloads) {
  std::string syslog = config(true);
  syslog.replace(syslog.find("destination = \"stderr\""), 22, "destination = \"syslog\"");
  rewrite(syslog);
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reloaded")) << milter_->output();
  EXPECT_TRUE(output_has("restart_needed_for=log")) << milter_->output();
  // The same file again: the milter still logs where it started, so a restart is still needed.
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reloaded", 2)) << milter_->output();
  EXPECT_TRUE(output_has("restart_needed_for=log", 2)) << milter_->output();
  // Back to the values of the start (the key stays): nothing needs a restart.
  rewrite(config(true));
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reloaded", 3)) << milter_->output();
  std::string out = milter_->output();
  size_t n = 0;
  for (size_t p = out.find("restart_needed_for="); p != std::string::npos;
       p = out.find("restart_needed_for=", p + 1))
    ++n;
  EXPECT_EQ(n, 2u) << out;
  EXPECT_EQ(send_new(), "signed");
}

TEST_F(MilterReload, KeyCacheFollowsTheConfigOnEveryReload) {
  ASSERT_TRUE(output_has(" started ")) << milter_->output();
  EXPECT_NE(milter_->output().find("dkim_key_cache=yes"), std::string::npos) << milter_->output();
  std::string off = config(true);
  off.replace(off.find("[dkim]\n"), 7, "[dkim]\nkey_cache = false\n");
  rewrite(off);
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reloaded")) << milter_->output();
  EXPECT_TRUE(output_has("dkim_key_cache=no")) << milter_->output();
  EXPECT_EQ(send_new(), "signed");
  rewrite(config(true));
  milter_->signal(SIGHUP);
  ASSERT_TRUE(output_has("reloaded", 2)) << milter_->output();
  EXPECT_TRUE(output_has("dkim_key_cache=yes", 2)) << milter_->output();
  EXPECT_EQ(send_new(), "signed");
}

}  // namespace
}  // namespace postern::test
