// Send limits end to end ([policyd.ratelimit]): a real Postfix whose submission port
// authenticates through a real Dovecot (SASL) and asks the real postern-policyd at
// END-OF-MESSAGE (smtpd_end_of_data_restrictions), and whose MX port asks it at RCPT, where
// trusted-network clients (posed with XCLIENT) are counted by address. The window rolls on the
// daemon's test clock (tests/policyd/policyd_daemon.h TestClockFile): the test steps it past the
// window instead of waiting, and skips where the daemon has no such hook (the installed package).
// `posternctl ratelimit reset` reaches the running daemon at once, also for counts in buckets the
// daemon no longer reads but remembers (common/ratelimit/settled_buckets.h). Also: action = "hold"
// puts the message in Postfix's hold queue, two daemons on one real Redis share counters, and a
// bad overrides file stops the daemon with the file and line.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "tests/harness/config_sections.h"
#include "tests/harness/dovecot_instance.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/redis_server.h"
#include "tests/harness/smtp_client.h"
#include "tests/policyd/policyd_daemon.h"

namespace postern::test {
namespace {

constexpr const char* kLimits =
    "[[policyd.ratelimit.limit]]\nby = \"login\"\nwindow = \"1h\"\nmessages = 3\n"
    "[[policyd.ratelimit.limit]]\nby = \"client_address\"\nwindow = \"1h\"\nmessages = 2\n";

struct Site {
  // keys: lines of [policyd.ratelimit] besides enabled and the alert; limits: its limit tables.
  Site(const std::string& tag, const std::string& keys, const std::string& limits,
       const DovecotInstance& dovecot)
      : dir(tag) {
    chmod(dir.path().c_str(), 0755);
    PolicydOptions o;
    o.greylist = "delay = 300\n";
    o.dnsbl = "";
    o.policyd = "trusted_networks = [\"192.0.2.0/24\"]\n";
    // Alerts go through the private Postfix's sendmail (a wrapper adding -C, written below once
    // Postfix is configured); Postfix lets only root use another config directory with sendmail.
    o.extra = "[policyd.ratelimit]\nenabled = true\n" + keys +
              "alert_to = \"postmaster@example.org\"\nsendmail = \"" + (dir / "sendmail").string() + "\"\n" +
              limits;
    o.user = "root";
    o.group = "root";
    clock = std::make_unique<TestClockFile>(dir / "clock-offset");
    o.env = clock->env();
    policyd = std::make_unique<Policyd>(dir, "policyd", dns.address(), lmdb_store_conf(dir), o);
    const std::string service = "check_policy_service,inet:127.0.0.1:" + std::to_string(policyd->port);
    PostfixOptions p;
    p.submission = true;
    p.dovecot_auth_port = dovecot.auth_port();
    p.mailboxes = {"alice@example.org", "bob@example.org", "carol@example.org", "dave@example.org",
                   "postmaster@example.org"};
    p.main_cf["local_header_rewrite_clients"] = "";
    p.submission_options["smtpd_end_of_data_restrictions"] = service;
    p.mx_options["smtpd_recipient_restrictions"] = service + ",permit_mynetworks,reject_unauth_destination";
    postfix = std::make_unique<PostfixInstance>(p);
    auto script =
        dir.write("sendmail", "#!/bin/sh\nexec /usr/sbin/sendmail -C " + postfix->config_dir() + " \"$@\"\n");
    chmod(script.c_str(), 0755);
  }
  SmtpReply submit(const std::string& user, const std::string& to = "dave@example.org") const {
    SmtpSend s;
    s.port = postfix->submission_port();
    s.user = user;
    s.password = user.substr(0, user.find('@')) + "-pass";
    s.from = user;
    s.to = {to};
    s.message = "From: " + user + "\nTo: " + to + "\nSubject: limits\n\nbody\n";
    return smtp_send(s);
  }
  SmtpReply from_host(const std::string& ip) const {
    SmtpSend s;
    s.port = postfix->smtp_port();
    s.xclient = "ADDR=" + ip + " NAME=[UNAVAILABLE]";
    s.from = "app@example.org";
    s.to = {"dave@example.org"};
    s.message = "From: app@example.org\nSubject: from a trusted host\n\nbody\n";
    return smtp_send(s);
  }
  TestDnsServer dns;
  TempDir dir;
  std::unique_ptr<TestClockFile> clock;  // the daemon's (used where test_clock_missing() is "")
  std::unique_ptr<Policyd> policyd;
  std::unique_ptr<PostfixInstance> postfix;
};

class PolicydRatelimit : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      DovecotOptions d;
      d.users = {{"alice@example.org", "alice-pass"},
                 {"bob@example.org", "bob-pass"},
                 {"carol@example.org", "carol-pass"}};
      dovecot_ = new DovecotInstance(d);
      site_ = new Site("postern-ratelimit", "", kLimits, *dovecot_);
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete site_;
    delete dovecot_;
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << "test servers did not start: " << setup_error_;
  }
  static std::string setup_error_;
  static DovecotInstance* dovecot_;
  static Site* site_;
};

std::string PolicydRatelimit::setup_error_;
DovecotInstance* PolicydRatelimit::dovecot_ = nullptr;
Site* PolicydRatelimit::site_ = nullptr;

TEST_F(PolicydRatelimit, MessageAfterTheLimitIsDeferredOthersAreNotAndTheWindowRollsOn) {
  if (auto why = test_clock_missing(); !why.empty()) GTEST_SKIP() << why;
  Site& s = *site_;
  for (int i = 0; i < 3; ++i) {
    auto r = s.submit("alice@example.org");
    ASSERT_EQ(r.code, 250) << i << ": " << r.text << "\n" << s.policyd->proc->output();
  }
  auto r = s.submit("alice@example.org");
  EXPECT_EQ(r.code, 450) << r.text << "\n" << s.postfix->maillog();
  // The three left the window 60 minutes after their bucket of 6 minutes began.
  EXPECT_TRUE(
      std::regex_match(r.text, std::regex("450 4\\.7\\.1 <END-OF-MESSAGE>: End-of-data rejected: Sending "
                                          "limit of 3 messages per 1h reached, try again in 6[0-6] minutes")))
      << r.text;
  // Another login is not affected.
  EXPECT_EQ(s.submit("bob@example.org").code, 250);
  const std::string log = s.policyd->proc->output();
  EXPECT_NE(log.find("test hook: wall clock offset read from " + s.clock->path.string()), std::string::npos)
      << log;
  EXPECT_EQ(occurrences(log, "ratelimit login=alice@example.org limit=3/1h count=4 action=defer retry_in="),
            1u)
      << log;
  // Half an hour later the three still count: deferred again, with half an hour less to wait.
  s.clock->set("30m");
  r = s.submit("alice@example.org");
  EXPECT_EQ(r.code, 450) << r.text;
  EXPECT_TRUE(
      std::regex_match(r.text, std::regex(".*Sending limit of 3 messages per 1h reached, try again in "
                                          "3[0-6] minutes")))
      << r.text;
  // A window and a bucket later they have left it: the next message passes at once, no wait.
  s.clock->set("66m");
  r = s.submit("alice@example.org");
  EXPECT_EQ(r.code, 250) << r.text << "\n" << s.policyd->proc->output();
  EXPECT_TRUE(s.postfix->wait_for_messages("dave@example.org", 5)) << s.postfix->maillog();
}

TEST_F(PolicydRatelimit, AResetByPosternctlReachesTheRunningDaemonAlsoForCountsItRemembers) {
  if (auto why = test_clock_missing(); !why.empty()) GTEST_SKIP() << why;
  Site& s = *site_;
  for (int i = 0; i < 3; ++i) ASSERT_EQ(s.submit("carol@example.org").code, 250) << i;
  // 20 minutes on, the three sit in a bucket that ended long ago: the daemon reads it once, then
  // answers from memory.
  s.clock->set("20m");
  EXPECT_EQ(s.submit("carol@example.org").code, 450);
  EXPECT_EQ(s.submit("carol@example.org").code, 450);
  const auto conf = s.dir.write("ctl.conf", lmdb_store_conf(s.dir)).string();
  auto reset = run_command({POSTERNCTL, "-c", conf, "ratelimit", "reset", "carol@example.org"}, "",
                           std::chrono::seconds(30));
  EXPECT_EQ(reset.exit_code, 0) << reset.output;
  EXPECT_EQ(reset.output, "reset carol@example.org: 1 counters removed\n");
  // The next three pass, the fourth does not: the limit counts afresh from the reset.
  for (int i = 0; i < 3; ++i) {
    auto r = s.submit("carol@example.org");
    EXPECT_EQ(r.code, 250) << i << ": " << r.text << "\n" << s.policyd->proc->output();
  }
  EXPECT_EQ(s.submit("carol@example.org").code, 450);
}

TEST_F(PolicydRatelimit, TrustedHostsWithoutALoginAreCountedByAddressAtRcpt) {
  Site& s = *site_;
  EXPECT_EQ(s.from_host("192.0.2.10").code, 250);
  EXPECT_EQ(s.from_host("192.0.2.10").code, 250);
  auto r = s.from_host("192.0.2.10");
  EXPECT_EQ(r.code, 450) << r.text;
  EXPECT_TRUE(
      std::regex_match(r.text, std::regex("450 4\\.7\\.1 <dave@example\\.org>: Recipient address rejected: "
                                          "Sending limit of 2 messages per 1h reached, try again in "
                                          "6[0-6] minutes")))
      << r.text;
  EXPECT_EQ(s.from_host("192.0.2.11").code, 250);
  EXPECT_NE(s.policyd->proc->output().find("ratelimit client_address=192.0.2.10 limit=2/1h count=3"),
            std::string::npos)
      << s.policyd->proc->output();
  EXPECT_EQ(s.from_host("192.0.2.10").code, 450);  // a second refusal: no second alert
}

// The first refusal of a subject and limit mails the admin through the private Postfix's
// sendmail; the mail reaches the postmaster's mailbox and says which limit, the counts and how
// to let the subject send again. One alert per subject and window.
TEST_F(PolicydRatelimit, AlertMailReachesTheAdminsMailboxOncePerWindow) {
  Site& s = *site_;
  for (int i = 0; i < 3; ++i) (void)s.from_host("192.0.2.20");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(s.from_host("192.0.2.20").code, 450);
  std::string alert;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& m : s.postfix->messages("postmaster@example.org")) {
          if (m.find("client_address 192.0.2.20") != std::string::npos) alert = m;
        }
        return !alert.empty();
      },
      std::chrono::seconds(20)))
      << s.policyd->proc->output() << s.postfix->maillog();
  EXPECT_NE(alert.find("Subject: Send limit reached: client_address 192.0.2.20 (2 messages per 1h)\n"),
            std::string::npos)
      << alert;
  EXPECT_NE(alert.find("Auto-Submitted: auto-generated\n"), std::string::npos) << alert;
  EXPECT_NE(alert.find("  limit:   2 messages per 1h\n  count:   3 with this message\n"), std::string::npos)
      << alert;
  EXPECT_NE(alert.find("  1h messages: 2 of 2\n"), std::string::npos) << alert;
  EXPECT_NE(alert.find("posternctl ratelimit reset 192.0.2.20\n"), std::string::npos) << alert;
  // The sender thread logs once sendmail has taken the mail (the answers did not wait for it).
  const std::string sent_line = "alert_sent client_address=192.0.2.20 limit=2/1h to=postmaster@example.org\n";
  EXPECT_TRUE(wait_until([&] { return occurrences(s.policyd->proc->output(), sent_line) > 0; },
                         std::chrono::seconds(20)));
  EXPECT_EQ(occurrences(s.policyd->proc->output(), sent_line), 1u) << s.policyd->proc->output();
}

TEST_F(PolicydRatelimit, WithActionHoldTheMessageWaitsInTheHoldQueue) {
  Site held("postern-ratelimit-hold", "action = \"hold\"\n",
            "[[policyd.ratelimit.limit]]\nwindow = \"1h\"\nmessages = 1\n", *dovecot_);
  EXPECT_EQ(held.submit("carol@example.org").code, 250);
  auto r = held.submit("carol@example.org", "bob@example.org");
  EXPECT_EQ(r.code, 250) << r.text;  // accepted: nothing is lost
  std::string queue;
  ASSERT_TRUE(wait_until(
      [&] {
        queue = run_command({"postqueue", "-c", held.postfix->config_dir(), "-j"}).output;
        return queue.find("\"queue_name\": \"hold\"") != std::string::npos;
      },
      std::chrono::seconds(20)))
      << queue << "\n"
      << held.postfix->maillog();
  EXPECT_NE(queue.find("bob@example.org"), std::string::npos) << queue;
  EXPECT_NE(queue.find("\"sender\": \"carol@example.org\""), std::string::npos) << queue;
  EXPECT_TRUE(held.postfix->wait_for_log("hold: END-OF-MESSAGE")) << held.postfix->maillog();
  EXPECT_NE(
      held.policyd->proc->output().find("ratelimit login=carol@example.org limit=1/1h count=2 action=hold"),
      std::string::npos);
  EXPECT_TRUE(held.postfix->messages("bob@example.org").empty());
}

std::string end_of_message(const std::string& login, int recipients = 1) {
  return "request=smtpd_access_policy\nprotocol_state=END-OF-MESSAGE\nclient_address=198.51.100.4\n"
         "sasl_username=" +
         login + "\nsender=" + login + "\nrecipient_count=" + std::to_string(recipients) + "\nsize=2048\n\n";
}

TEST(PolicydRatelimitRedis, TwoDaemonsOnOneRedisShareTheCounters) {
  TestDnsServer dns;
  RedisServer redis;
  TempDir dir("postern-ratelimit-redis");
  std::string store = redis_store_section(redis.port());
  PolicydOptions o;
  o.dnsbl = "";
  o.extra =
      "[policyd.ratelimit]\nenabled = true\n"
      "[[policyd.ratelimit.limit]]\nwindow = \"1h\"\nmessages = 3\nrecipients = 10\n";
  Policyd mx1(dir, "mx1", dns.address(), store, o), mx2(dir, "mx2", dns.address(), store, o);
  EXPECT_EQ(ask(mx1.port, end_of_message("alice@example.org")), "action=DUNNO\n\n");
  EXPECT_EQ(ask(mx2.port, end_of_message("alice@example.org")), "action=DUNNO\n\n");
  EXPECT_EQ(ask(mx1.port, end_of_message("alice@example.org")), "action=DUNNO\n\n");
  const std::regex deferred(
      "action=DEFER_IF_PERMIT 4\\.7\\.1 Sending limit of 3 messages per 1h reached, try again in [0-9]+ "
      "minutes\n\n");
  auto a = ask(mx2.port, end_of_message("alice@example.org"));
  EXPECT_TRUE(std::regex_match(a, deferred)) << a;
  auto b = ask(mx1.port, end_of_message("ALICE@example.org"));
  EXPECT_TRUE(std::regex_match(b, deferred)) << b;
  // Recipients count too: 11 at once can never pass within the limit of 10.
  EXPECT_EQ(ask(mx1.port, end_of_message("bob@example.org", 11)),
            "action=REJECT 5.7.1 This message exceeds the sending limit of 10 recipients per 1h\n\n");
  EXPECT_EQ(ask(mx2.port, end_of_message("bob@example.org", 10)), "action=DUNNO\n\n");
  auto keys =
      run_command({"redis-cli", "-p", std::to_string(redis.port()), "--scan", "--pattern", "postern:rl:c:*"});
  EXPECT_NE(keys.output.find("rl:c:login:alice@example.org:3600:m:"), std::string::npos) << keys.output;
}

TEST(PolicydRatelimitConfig, BadOverridesFileStopsTheDaemonWithFileAndLine) {
  TempDir dir("postern-ratelimit-conf");
  auto overrides = dir.write("overrides", "alice@example.org messages=100/1h\nbob@example.org lots\n");
  auto conf =
      dir.write("postern.conf", "[policyd.ratelimit]\nenabled = true\noverrides = \"" + overrides.string() +
                                    "\"\n[[policyd.ratelimit.limit]]\nmessages = 10\n");
  auto r = run_command({POLICYD, "-t", "-c", conf.string()});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(overrides.string() + ":2: "), std::string::npos) << r.output;
  auto bad = dir.write("bad.conf", "[[policyd.ratelimit.limit]]\nby = \"login\"\nwindow = \"1h\"\n");
  r = run_command({POLICYD, "-t", "-c", bad.string()});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find("policyd.ratelimit.limit.messages: a limit needs messages, recipients or bytes"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace postern::test
