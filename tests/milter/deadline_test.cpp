// The per-message DNS deadline of postern-milter, through the real daemon: with a DNS server that
// never answers and the default [dns] timeout and retries, a whole inbound message (SPF at MAIL
// FROM, a DKIM key lookup and the DMARC record at end of message) takes no more than
// [milter].message_timeout plus a small margin, no query is sent once the deadline has passed,
// every DNS-based result is temperror, the message is accepted (temperror handling of
// docs/milter.md), and one dns_deadline line is logged; the next message on the connection gets a
// deadline of its own. Wall time is
// measured with the steady clock as an upper bound; nothing sleeps.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tools/milterclient/session.h"

namespace postern::test {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kMessageTimeout{2000};
// Scheduling and the milter round trips; far below the [dns] attempt timeout (2 s) that an
// uncapped lookup would add.
constexpr milliseconds kMargin{750};

const char kMessage[] =
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=sender.test; s=s1;\r\n"
    "\th=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
    "\tb=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
    "From: Carol <carol@sender.test>\r\n"
    "To: bob@example.org\r\n"
    "Subject: deadline\r\n"
    "\r\n"
    "Hello.\r\n";

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// A postern-milter with message_timeout = 2s over a unix socket in its own directory, asking dns,
// and one milter connection to it; [dns] timeout and retries stay at their defaults (2 s, 2
// retries): one uncapped query alone would take 6 s.
struct DeadlineMilter {
  DeadlineMilter(const std::string& tag, const TestDnsServer& dns, const std::string& extra_conf) : dir(tag) {
    chmod(dir.path().c_str(), 0755);
    std::string sock = (dir.path() / "milter.sock").string();
    auto conf = dir.write("postern.conf", "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"" +
                                              dns.address() + "\"]\n[milter]\nsocket = \"unix:" + sock +
                                              "\"\nuser = \"nobody\"\ngroup = \"nogroup\"\nauthserv_id = "
                                              "\"mx.example.org\"\nmessage_timeout = \"2s\"\n" +
                                              extra_conf + "[dkim]\ninternal_networks = []\n");
    milter = std::make_unique<Process>(std::vector<std::string>{MILTER, "-f", "-c", conf.string()},
                                       (dir.path() / "milter").string());
    if (!wait_for_unix(sock)) return;
    mta::ClientOptions o;
    o.milter = *parse_socket_spec("unix:" + sock);
    o.read_timeout = std::chrono::seconds(30);  // the milter's deadline is under test, not ours
    if (auto c = mta::Connection::open(o)) connection = std::move(*c);
  }
  TempDir dir;
  std::unique_ptr<Process> milter;
  std::unique_ptr<mta::Connection> connection;  // null when the milter did not start
};

TEST(MilterDnsDeadline, SilentDnsCostsAMessageNoMoreThanMessageTimeout) {
  TestDnsServer dns;
  dns.set_default_behavior(DnsBehavior::drop);
  DeadlineMilter d("postern-milter-deadline", dns, "");
  Process& milter = *d.milter;
  ASSERT_TRUE(d.connection) << milter.output();
  mta::Envelope e;
  e.client_ip = "203.0.113.5";
  e.client_name = "mail.sender.test";
  e.helo = "mail.sender.test";
  e.from = "carol@sender.test";
  e.rcpts = {"bob@example.org"};
  e.macros[mta::cmd::mail] = {{"i", "DL1"}};
  auto m = mta::parse_message(kMessage);
  ASSERT_TRUE(m) << m.error().message;

  // Two messages on one connection: the deadline starts at each MAIL FROM, not at the connection.
  for (int n = 1; n <= 2; ++n) {
    SCOPED_TRACE("message " + std::to_string(n));
    auto start = std::chrono::steady_clock::now();
    auto v = d.connection->run(e, *m);
    auto took = std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    ASSERT_TRUE(v) << v.error().message << milter.output();
    EXPECT_LE(took, kMessageTimeout + kMargin) << milter.output();
    RecordProperty("message_ms_" + std::to_string(n), static_cast<int>(took.count()));

    // SPF at MAIL FROM asked the silent server and waited out the whole deadline; the DKIM key and
    // the DMARC record were then not asked for at all.
    EXPECT_EQ(dns.queries("sender.test"), n) << milter.output();
    EXPECT_EQ(dns.queries("s1._domainkey.sender.test"), 0) << milter.output();
    EXPECT_EQ(dns.queries("_dmarc.sender.test"), 0) << milter.output();
    // Temperror handling: accepted, stamped with temperror results.
    EXPECT_EQ(v->action, mta::Action::accept) << v->reply << milter.output();
    std::string ar;
    for (const auto& mod : v->modifications)
      if (mod.name == "Authentication-Results") ar = mod.value;
    EXPECT_NE(ar.find("spf=temperror"), std::string::npos) << ar;
    EXPECT_NE(ar.find("dkim=temperror"), std::string::npos) << ar;
    EXPECT_NE(ar.find("dmarc=temperror"), std::string::npos) << ar;
  }
  // One line per message says the deadline was reached, and where.
  ASSERT_TRUE(wait_until([&] { return count(milter.output(), " message ") >= 2; })) << milter.output();
  EXPECT_EQ(count(milter.output(), "dns_deadline"), 2u) << milter.output();
  EXPECT_EQ(count(milter.output(), "stage=spf message_timeout_ms=2000"), 2u) << milter.output();
}

// A sender that spends the message's DNS deadline with slow DNS of its own (its SPF domain never
// answers) must not carry a message spoofing a p=reject domain past DMARC: the DMARC record then
// cannot be looked up, and with enforce the temperror gets 451 4.7.5 (temperror_action), so the
// message is retried, never accepted unjudged.
TEST(MilterDnsDeadline, SpendingTheDeadlineWithSlowDnsNeverCarriesASpoofPastARejectPolicy) {
  TestDnsServer dns;
  dns.add("_dmarc.bank.test", "TXT", "\"v=DMARC1; p=reject\"");
  dns.add("evil.test", "TXT", "\"v=spf1 -all\"");
  dns.set_behavior("evil.test", DnsBehavior::drop);
  DeadlineMilter d("postern-milter-deadline-spoof", dns, "[dmarc]\nenforce = true\n");
  Process& milter = *d.milter;
  ASSERT_TRUE(d.connection) << milter.output();
  mta::Envelope e;
  e.client_ip = "203.0.113.66";
  e.client_name = "mail.evil.test";
  e.helo = "mail.evil.test";
  e.from = "x@evil.test";
  e.rcpts = {"bob@example.org"};
  e.macros[mta::cmd::mail] = {{"i", "DL2"}};
  auto m = mta::parse_message(
      "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=bank.test; s=s1;\r\n"
      "\th=from:to:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n"
      "\tb=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
      "From: CEO <ceo@bank.test>\r\nTo: bob@example.org\r\nSubject: wire\r\n\r\nPay now.\r\n");
  ASSERT_TRUE(m) << m.error().message;
  auto v = d.connection->run(e, *m);
  ASSERT_TRUE(v) << v.error().message << milter.output();
  EXPECT_EQ(v->action, mta::Action::tempfail) << v->reply << milter.output();
  EXPECT_EQ(v->reply, "451 4.7.5 The DMARC policy of bank.test could not be evaluated (DNS), try again later")
      << milter.output();
  ASSERT_TRUE(wait_until([&] { return count(milter.output(), " message ") >= 1; })) << milter.output();
  EXPECT_NE(milter.output().find("dmarc=temperror"), std::string::npos) << milter.output();
  EXPECT_NE(milter.output().find("dmarc_action=tempfail"), std::string::npos) << milter.output();
  EXPECT_NE(milter.output().find("action=tempfail"), std::string::npos) << milter.output();
}

}  // namespace
}  // namespace postern::test
