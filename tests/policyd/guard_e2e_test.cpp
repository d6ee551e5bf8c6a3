// The account guard end to end: a real Postfix whose submission port authenticates through a
// real Dovecot and runs the real postern-milter (sender ownership) and postern-policyd
// (smtpd_end_of_data_restrictions, send limits and the guard), sharing one real Redis. alice
// trips her send limit, then tries to send as a colleague (refused by the milter): the two signs
// hold her account, so her next message waits in Postfix's hold queue, the admin gets one mail,
// `posternctl account list` says why, IMAP still lets her in, and `posternctl account release`
// lets her next message through. bob is never affected.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <regex>

#include "tests/harness/config_sections.h"
#include "tests/harness/dovecot_instance.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/redis_server.h"
#include "tests/harness/smtp_client.h"
#include "tests/policyd/policyd_daemon.h"

namespace postern::test {
namespace {

TEST(AccountGuardE2E, LimitThenSpoofHoldsTheLoginReleaseLetsItSendAgainImapKeepsWorking) {
  TestDnsServer dns;
  RedisServer redis;
  TempDir dir("postern-guard-e2e");
  chmod(dir.path().c_str(), 0755);
  const std::string store = redis_store_section(redis.port());
  const std::string guard =
      "[account_guard]\nenabled = true\nalert_to = \"postmaster@example.org\"\nsendmail = \"" +
      (dir / "sendmail").string() + "\"\n";

  // The milter: sender ownership in enforce mode, the guard on (its sender_refused sign).
  std::string sock = (dir.path() / "milter.sock").string();
  auto milter_conf = dir.write("milter.conf", "[log]\ndestination = \"stderr\"\n" + store +
                                                  "[milter]\nsocket = \"unix:" + sock +
                                                  "\"\nuser = \"nobody\"\ngroup = \"postfix\"\n"
                                                  "[sender]\nmode = \"enforce\"\n"
                                                  "[dkim]\nenabled = false\n[dmarc]\nenabled = false\n" +
                                                  guard);
  Process milter({MILTER, "-f", "-c", milter_conf.string()}, (dir.path() / "milter").string());
  ASSERT_TRUE(wait_for_unix(sock)) << milter.output();

  PolicydOptions o;
  o.dnsbl = "";
  o.user = "root";  // Postfix lets only root hand mail to another instance's sendmail (-C)
  o.group = "root";
  o.extra =
      "[policyd.ratelimit]\nenabled = true\n[[policyd.ratelimit.limit]]\nwindow = \"1h\"\nmessages = 2\n" +
      guard;
  Policyd policyd(dir, "policyd", dns.address(), store, o);

  DovecotOptions d;
  d.users = {{"alice@example.org", "alice-pass"}, {"bob@example.org", "bob-pass"}};
  DovecotInstance dovecot(d);
  PostfixOptions p;
  p.submission = true;
  p.dovecot_auth_port = dovecot.auth_port();
  p.mailboxes = {"alice@example.org", "bob@example.org", "ceo@example.org", "dave@example.org",
                 "postmaster@example.org"};
  p.main_cf["smtpd_milters"] = "unix:" + sock;
  p.main_cf["local_header_rewrite_clients"] = "";
  p.submission_options["smtpd_end_of_data_restrictions"] =
      "check_policy_service,inet:127.0.0.1:" + std::to_string(policyd.port);
  PostfixInstance postfix(p);
  auto script =
      dir.write("sendmail", "#!/bin/sh\nexec /usr/sbin/sendmail -C " + postfix.config_dir() + " \"$@\"\n");
  chmod(script.c_str(), 0755);
  auto ctl_conf = dir.write("ctl.conf", store + guard).string();
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {POSTERNCTL, "-c", ctl_conf});
    return run_command(args, "", std::chrono::seconds(30));
  };
  auto submit = [&](const std::string& user, const std::string& from) {
    SmtpSend s;
    s.port = postfix.submission_port();
    s.user = user;
    s.password = user.substr(0, user.find('@')) + "-pass";
    s.from = from;
    s.to = {"dave@example.org"};
    s.message = "From: " + from + "\nTo: dave@example.org\nSubject: guard\n\nbody\n";
    return smtp_send(s);
  };

  EXPECT_EQ(submit("alice@example.org", "alice@example.org").code, 250);
  EXPECT_EQ(submit("alice@example.org", "alice@example.org").code, 250);
  auto over = submit("alice@example.org", "alice@example.org");
  EXPECT_EQ(over.code, 450) << over.text;  // the limit: one sign, not held
  // policyd writes the sign behind ([policyd] store_write_behind): posternctl sees it once written.
  EXPECT_TRUE(wait_until(
      [&] {
        return ctl({"account", "list"}).output.find("alice@example.org  watched  5/10") != std::string::npos;
      },
      std::chrono::seconds(10)));
  auto spoof = submit("alice@example.org", "ceo@example.org");
  EXPECT_EQ(spoof.code, 553) << spoof.text;  // the milter refuses: the second sign holds her

  auto held = submit("alice@example.org", "alice@example.org");
  EXPECT_EQ(held.code, 250) << held.text;  // accepted into the hold queue, not deferred
  std::string queue;
  ASSERT_TRUE(wait_until(
      [&] {
        queue = run_command({"postqueue", "-c", postfix.config_dir(), "-j"}).output;
        return queue.find("\"queue_name\": \"hold\"") != std::string::npos;
      },
      std::chrono::seconds(20)))
      << queue << policyd.proc->output();
  EXPECT_NE(queue.find("\"sender\": \"alice@example.org\""), std::string::npos) << queue;
  auto list = ctl({"account", "list"});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("alice@example.org  held  10/10  "), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("score 10 of 10: ratelimit=5 (limit=2/1h count=3), sender_refused=5"),
            std::string::npos)
      << list.output;
  EXPECT_NE(list.output.find("  sign sender_refused weight=5 seen=1 "), std::string::npos) << list.output;
  EXPECT_NE(milter.output().find("account_signal login=alice@example.org signal=sender_refused"),
            std::string::npos)
      << milter.output();
  // The milter recorded the sign that reached the threshold: it wrote the hold and logged it.
  EXPECT_NE(milter.output().find("account_hold login=alice@example.org"), std::string::npos)
      << milter.output();
  EXPECT_NE(policyd.proc->output().find("account_held_message login=alice@example.org"), std::string::npos)
      << policyd.proc->output();
  // bob is not affected; alice can still read her mail.
  EXPECT_EQ(submit("bob@example.org", "bob@example.org").code, 250);
  EXPECT_TRUE(imap_login(dovecot.imap_port(), "alice@example.org", "alice-pass").ok);
  // One alert mail, with the reason and the release command.
  std::string alert;
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& m : postfix.messages("postmaster@example.org")) {
          if (m.find("Subject: Account held: alice@example.org") != std::string::npos) alert = m;
        }
        return !alert.empty();
      },
      std::chrono::seconds(20)))
      << policyd.proc->output() << postfix.maillog();
  EXPECT_NE(alert.find("posternctl account release alice@example.org"), std::string::npos) << alert;
  EXPECT_NE(alert.find("sender_refused (weight 5, seen 1x)"), std::string::npos) << alert;
  EXPECT_EQ(submit("alice@example.org", "alice@example.org").code, 250);  // held again, no second alert
  const std::string sent_line =
      "alert_sent login=alice@example.org what=\"account held\" to=postmaster@example.org\n";
  EXPECT_TRUE(wait_until([&] { return occurrences(policyd.proc->output(), sent_line) > 0; },
                         std::chrono::seconds(20)));
  EXPECT_EQ(occurrences(policyd.proc->output(), "alert_sent login=alice@example.org"), 1u)
      << policyd.proc->output();

  auto release = ctl({"account", "release", "alice@example.org"});
  EXPECT_EQ(release.exit_code, 0) << release.output;
  EXPECT_EQ(release.output, "released alice@example.org (signs forgotten, 1 send-limit counters removed)\n");
  size_t before = postfix.messages("dave@example.org").size();
  EXPECT_EQ(submit("alice@example.org", "alice@example.org").code, 250);
  EXPECT_TRUE(postfix.wait_for_messages("dave@example.org", before + 1)) << postfix.maillog();
  EXPECT_EQ(ctl({"account", "list"}).output.find("alice@"), std::string::npos);
}

TEST(AccountGuardE2E, ManyRecipientDomainsHoldTheLoginItsNextMailWaitsInTheHoldQueue) {
  TestDnsServer dns;
  TempDir dir("postern-guard-domains");
  chmod(dir.path().c_str(), 0755);
  const std::string guard =
      "[account_guard]\nenabled = true\nthreshold = 10\nweight_recipient_domains = 10\n"
      "recipient_domains = 3\nrecipient_domains_window = \"1h\"\n";
  PolicydOptions o;
  o.dnsbl = "";
  o.extra = guard;
  Policyd policyd(dir, "policyd", dns.address(), lmdb_store_conf(dir), o);
  DovecotOptions d;
  d.users = {{"carol@example.org", "carol-pass"}, {"bob@example.org", "bob-pass"}};
  DovecotInstance dovecot(d);
  PostfixOptions p;
  p.submission = true;
  p.dovecot_auth_port = dovecot.auth_port();
  p.domains = {"example.org", "one.test", "two.test", "three.test"};
  p.mailboxes = {"carol@example.org", "bob@example.org", "dave@example.org",
                 "u@one.test",        "u@two.test",      "u@three.test"};
  p.main_cf["local_header_rewrite_clients"] = "";
  const std::string service = "check_policy_service,inet:127.0.0.1:" + std::to_string(policyd.port);
  p.submission_options["smtpd_recipient_restrictions"] = service + ",permit_sasl_authenticated,reject";
  p.submission_options["smtpd_end_of_data_restrictions"] = service;
  PostfixInstance postfix(p);
  auto submit = [&](const std::string& user, const std::string& to) {
    SmtpSend m;
    m.port = postfix.submission_port();
    m.user = user;
    m.password = user.substr(0, user.find('@')) + "-pass";
    m.from = user;
    m.to = {to};
    m.message = "From: " + user + "\nTo: " + to + "\nSubject: domains\n\nbody\n";
    return smtp_send(m);
  };
  auto held_queue = [&] {
    std::string queue = run_command({"postqueue", "-c", postfix.config_dir(), "-j"}).output;
    std::vector<std::string> held;  // one line of postqueue -j per held message
    size_t at = 0;
    for (size_t nl; (nl = queue.find('\n', at)) != std::string::npos; at = nl + 1) {
      std::string line = queue.substr(at, nl - at);
      if (line.find("\"queue_name\": \"hold\"") != std::string::npos) held.push_back(line);
    }
    return held;
  };

  // Two domains: delivered, no sign.
  EXPECT_EQ(submit("carol@example.org", "u@one.test").code, 250);
  EXPECT_EQ(submit("carol@example.org", "u@two.test").code, 250);
  EXPECT_TRUE(postfix.wait_for_messages("u@two.test", 1)) << postfix.maillog();
  EXPECT_EQ(occurrences(policyd.proc->output(), "account_signal"), 0u) << policyd.proc->output();
  // The third distinct domain (at RCPT) makes the sign, which alone reaches the threshold: this
  // message is accepted into the hold queue, and so is the next one, whatever its domain.
  EXPECT_EQ(submit("carol@example.org", "u@three.test").code, 250);
  EXPECT_EQ(submit("carol@example.org", "dave@example.org").code, 250);
  std::vector<std::string> held;
  ASSERT_TRUE(wait_until(
      [&] {
        held = held_queue();
        return held.size() == 2;
      },
      std::chrono::seconds(20)))
      << held.size() << "\n"
      << policyd.proc->output() << postfix.maillog();
  for (const auto& line : held)
    EXPECT_NE(line.find("\"sender\": \"carol@example.org\""), std::string::npos) << line;
  EXPECT_EQ(occurrences(held[0] + held[1], "\"address\": \"u@three.test\""), 1u) << held[0] << held[1];
  EXPECT_EQ(occurrences(held[0] + held[1], "\"address\": \"dave@example.org\""), 1u) << held[0] << held[1];
  EXPECT_TRUE(postfix.messages("u@three.test").empty());
  EXPECT_TRUE(postfix.messages("dave@example.org").empty());
  // bob is not affected.
  EXPECT_EQ(submit("bob@example.org", "dave@example.org").code, 250);
  EXPECT_TRUE(postfix.wait_for_messages("dave@example.org", 1)) << postfix.maillog();

  const std::string log = policyd.proc->output();
  EXPECT_EQ(occurrences(log,
                        "account_signal login=carol@example.org signal=recipient_domains weight=10 "
                        "detail=\"3 recipient domains within 3600s\"\n"),
            1u)
      << log;
  EXPECT_EQ(occurrences(log,
                        "account_hold login=carol@example.org reason=\"score 10 of 10: "
                        "recipient_domains=10 (3 recipient domains within 3600s)\"\n"),
            1u)
      << log;
  EXPECT_EQ(occurrences(log, "account_held_message login=carol@example.org "), 2u) << log;
  auto ctl_conf = dir.write("ctl.conf", lmdb_store_conf(dir) + guard).string();
  // policyd writes the hold behind ([policyd] store_write_behind, 100 ms): posternctl sees it once
  // written.
  const std::regex listed(
      "# login  state  score/threshold  since  reason\n"
      "carol@example\\.org  held  10/10  20[0-9-]{8}T[0-9:]{8}Z  \"score 10 of 10: recipient_domains=10 "
      "\\(3 recipient domains within 3600s\\)\"\n"
      "  sign recipient_domains weight=10 seen=1 until=20[0-9-]{8}T[0-9:]{8}Z "
      "last=\"3 recipient domains within 3600s\"\n");
  CommandResult list;
  EXPECT_TRUE(wait_until(
      [&] {
        list = run_command({POSTERNCTL, "-c", ctl_conf, "account", "list"});
        return list.exit_code == 0 && std::regex_match(list.output, listed);
      },
      std::chrono::seconds(10)))
      << list.output;
}

}  // namespace
}  // namespace postern::test
