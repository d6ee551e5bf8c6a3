// Session logic of the milter client against a scripted milter: the steps the milter declined
// (NO*) are not sent, the ones it will not answer (NR*) are not waited for, SKIP stops the body,
// modifications are collected, early verdicts end the transaction with ABORT so the connection
// carries the next message, and a stuck, closing or garbage-sending milter is a clean error within
// the timeout.
#include "tools/milterclient/session.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/harness/net.h"
#include "tests/harness/temp_dir.h"
#include "tests/milterclient/fake_milter.h"

namespace postern::mta::test {
namespace {

using Strings = std::vector<std::string>;

class MilterSession : public ::testing::Test {
 protected:
  ClientOptions options(std::chrono::milliseconds read_timeout = std::chrono::seconds(5)) {
    ClientOptions o;
    o.milter.unix_socket = true;
    o.milter.path = sock_;
    o.read_timeout = read_timeout;
    return o;
  }
  static Envelope envelope() {
    Envelope e;
    e.from = "alice@example.org";
    e.rcpts = {"bob@example.org"};
    e.macros[cmd::mail] = {{"{auth_authen}", "alice@example.org"}};
    return e;
  }
  static Message message(const std::string& text) {
    auto m = parse_message(text);
    EXPECT_TRUE(m.ok());
    return m.ok() ? *m : Message{};
  }

  postern::test::TempDir dir_{"postern-mclient"};
  std::string sock_ = (dir_.path() / "m.sock").string();
};

// A milter that negotiates the given flags and answers CONTINUE to everything that needs an answer.
FakeMilter::Handler continuing(uint32_t actions, uint32_t protocol, Strings eom = {}) {
  return [=](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(actions, protocol)};
    if (c == 'D' || c == 'A' || c == 'Q') return {};
    auto nr = [&](uint32_t f) { return (protocol & f) != 0; };
    if ((c == 'C' && nr(proto::nr_connect)) || (c == 'H' && nr(proto::nr_helo)) ||
        (c == 'M' && nr(proto::nr_mail)) || (c == 'R' && nr(proto::nr_rcpt)) ||
        (c == 'T' && nr(proto::nr_data)) || (c == 'L' && nr(proto::nr_header)) ||
        (c == 'N' && nr(proto::nr_eoh)) || (c == 'B' && nr(proto::nr_body))) {
      return {};
    }
    if (c == 'E') {
      Strings out = eom;
      out.push_back(reply('a'));
      return out;
    }
    return {reply('c')};
  };
}

TEST_F(MilterSession, FullTransactionSendsEveryStepWithMacros) {
  FakeMilter m(sock_, continuing(0, 0));
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok()) << c.error().message;
  auto v = (*c)->run(envelope(), message("From: alice@example.org\nSubject: hi\n\nbody\n"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(format_verdict(*v), Strings{"accept"});
  EXPECT_EQ(m.commands(), (Strings{"O", "C", "H", "DM", "M", "R", "T", "L", "L", "N", "B", "DE", "E"}));
  auto p = m.packets();
  EXPECT_EQ(p[0].second.substr(0, 4), be32(6));
  EXPECT_EQ(p[3].second.substr(0, 1), "M");
  EXPECT_NE(p[3].second.find(z("{auth_authen}") + z("alice@example.org")), std::string::npos);
  EXPECT_NE(p[3].second.find(z("i")), std::string::npos);  // a queue id is always sent
  EXPECT_EQ(p[4].second, z("<alice@example.org>"));
  EXPECT_EQ(p[7].second, z("From") + z("alice@example.org"));  // leading space stripped
  EXPECT_EQ(p[10].second, "body\r\n");
}

TEST_F(MilterSession, DeclinedStepsAreNotSentAndUnansweredOnesNotAwaited) {
  uint32_t pf = proto::no_helo | proto::no_data | proto::no_eoh | proto::nr_connect | proto::nr_mail |
                proto::nr_rcpt | proto::nr_header | proto::nr_body | proto::header_leading_space;
  FakeMilter m(sock_, continuing(act::add_headers, pf));
  // A short read timeout: waiting for any reply the milter will not send would fail the run.
  auto c = Connection::open(options(std::chrono::milliseconds(2000)));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ((*c)->negotiated().protocol, pf);
  auto start = std::chrono::steady_clock::now();
  auto v = (*c)->run(envelope(), message("Subject:  two spaces\n\nbody\n"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(m.commands(), (Strings{"O", "C", "DM", "M", "R", "L", "B", "DE", "E"}));
  EXPECT_EQ(m.packets()[5].second, z("Subject") + z("  two spaces"));  // kept verbatim
  auto declined = proto::no_connect | proto::no_mail | proto::no_rcpt | proto::no_headers | proto::no_body;
  FakeMilter m2((dir_.path() / "m2.sock").string(), continuing(0, declined | proto::no_helo));
  auto o = options();
  o.milter.path = (dir_.path() / "m2.sock").string();
  auto c2 = Connection::open(o);
  ASSERT_TRUE(c2.ok());
  ASSERT_TRUE((*c2)->run(envelope(), message("Subject: x\n\nbody\n")).ok());
  EXPECT_EQ(m2.commands(), (Strings{"O", "T", "N", "DE", "E"}));
}

TEST_F(MilterSession, BodyIsSentInChunksAndSkipStopsIt) {
  int chunks = 0;
  FakeMilter m(sock_, [&](char c, const std::string& p) -> Strings {
    if (c == 'O') return {negotiate_reply(0, proto::skip)};
    if (c == 'B') {
      EXPECT_LE(p.size(), 7u);
      return {reply(++chunks == 3 ? 's' : 'c')};
    }
    if (c == 'E') return {reply('c')};
    if (c == 'D' || c == 'A') return {};
    return {reply('c')};
  });
  auto o = options();
  o.chunk_size = 7;
  auto c = Connection::open(o);
  ASSERT_TRUE(c.ok());
  auto v = (*c)->run(envelope(), message("S: x\n\n" + std::string(100, 'b') + "\n"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(format_verdict(*v), Strings{"accept"});  // continue at end of message accepts
  std::string body;
  int sent = 0;
  for (const auto& [cmd, payload] : m.packets()) {
    if (cmd == 'B') ++sent, body += payload;
  }
  EXPECT_EQ(sent, 3);
  EXPECT_EQ(body, std::string(21, 'b'));
  EXPECT_EQ(m.commands().back(), "E");
}

TEST_F(MilterSession, EveryModificationIsReported) {
  Strings eom = {reply('p'),
                 reply('h', z("X-Spam") + z(" no")),
                 reply('i', be32(0) + z("DKIM-Signature") + z(" v=1; d=example.org;\n\ts=sel")),
                 reply('m', be32(1) + z("Subject") + z(" changed")),
                 reply('m', be32(2) + z("Received") + z("")),
                 reply('b', "new "),
                 reply('+', z("<carol@example.org>")),
                 reply('b', "body\r\n"),
                 reply('2', z("<dave@example.org>") + z("NOTIFY=NEVER")),
                 reply('-', z("<bob@example.org>")),
                 reply('e', z("<bounce@example.org>")),
                 reply('q', z("needs review"))};
  FakeMilter m(sock_, continuing(act::all, 0, eom));
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok());
  auto v = (*c)->run(envelope(), message("Subject: x\n\nb\n"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(format_verdict(*v),
            (Strings{"quarantine needs review", "add-header X-Spam: no",
                     "insert-header 0 DKIM-Signature: v=1; d=example.org;\\n\ts=sel",
                     "change-header Subject 1: changed", "delete-header Received 2", "replace-body 10 bytes",
                     "add-rcpt <carol@example.org>", "add-rcpt <dave@example.org> NOTIFY=NEVER",
                     "delete-rcpt <bob@example.org>", "change-from <bounce@example.org>"}));
  EXPECT_EQ(v->modifications[4].value, "new body\r\n");
}

TEST_F(MilterSession, UnnegotiatedModificationIsAProtocolError) {
  FakeMilter m(sock_, continuing(act::add_headers, 0, {reply('m', be32(1) + z("Subject") + z("x"))}));
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok());
  auto v = (*c)->run(envelope(), message("Subject: x\n\nb\n"));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("without negotiating"), std::string::npos) << v.error().message;
}

TEST_F(MilterSession, RepliesSplitAcrossManyReadsGiveTheSameVerdict) {
  Strings eom = {reply('i', be32(0) + z("DKIM-Signature") + z(" v=1; d=example.org;\n\ts=sel")),
                 reply('m', be32(1) + z("Subject") + z(""))};
  FakeMilter m(sock_, continuing(act::all, 0, eom));
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok());
  auto whole = (*c)->run(envelope(), message("Subject: x\n\nb\n"));
  ASSERT_TRUE(whole.ok()) << whole.error().message;
  m.set_dribble(true);
  auto dribbled = (*c)->run(envelope(), message("Subject: x\n\nb\n"));
  ASSERT_TRUE(dribbled.ok()) << dribbled.error().message;
  EXPECT_EQ(format_verdict(*dribbled), format_verdict(*whole));
  EXPECT_EQ(format_verdict(*whole).size(), 3u);
}

TEST_F(MilterSession, ConnectCarriesFamilyPortAndAddress) {
  FakeMilter m(sock_, continuing(0, 0));
  struct Case {
    std::string client_ip;
    std::string want;
  } cases[] = {
      {"192.0.2.7", z("mail.client.test") + "4" + std::string("\x09\xc5", 2) + z("192.0.2.7")},
      {"2001:DB8::7", z("mail.client.test") + "6" + std::string("\x09\xc5", 2) + z("2001:db8::7")},
      {"unix:/run/x.sock", z("mail.client.test") + "L" + std::string("\x09\xc5", 2) + z("/run/x.sock")},
      {"unknown", z("mail.client.test") + "U"},
  };
  for (const auto& k : cases) {
    auto c = Connection::open(options());
    ASSERT_TRUE(c.ok());
    Envelope e = envelope();
    e.client_ip = k.client_ip;
    e.client_port = 2501;
    e.client_name = "mail.client.test";
    ASSERT_TRUE((*c)->run(e, message("S: x\n\nb\n")).ok()) << k.client_ip;
    std::string got;
    for (const auto& [cmd, payload] : m.packets()) {
      if (cmd == 'C') got = payload;  // the last CONNECT
    }
    EXPECT_EQ(got, k.want) << k.client_ip;
    (*c)->quit();
  }
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok());
  Envelope bad = envelope();
  bad.client_ip = "not-an-ip";
  EXPECT_FALSE((*c)->run(bad, message("S: x\n\nb\n")).ok());
}

TEST_F(MilterSession, NegotiationBeyondTheOfferIsRefused) {
  FakeMilter m(sock_, [](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(0x200, 0)};
    return {};
  });
  auto c = Connection::open(options());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("did not offer"), std::string::npos) << c.error().message;
}

TEST_F(MilterSession, RejectAtMailAbortsAndTheConnectionCarriesTheNextMessage) {
  int mails = 0;
  FakeMilter m(sock_, [&](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(act::add_headers, 0)};
    if (c == 'D' || c == 'A') return {};
    if (c == 'M' && ++mails == 1)
      return {reply('y', z("553 5.7.1 Sender address <alice@example.org> not owned"))};
    if (c == 'E') return {reply('h', z("X-Second") + z("yes")), reply('a')};
    return {reply('c')};
  });
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok());
  auto first = (*c)->run(envelope(), message("Subject: 1\n\nb\n"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(format_verdict(*first), Strings{"reject 553 5.7.1 Sender address <alice@example.org> not owned"});
  EXPECT_EQ(first->stage, "mail");
  EXPECT_TRUE((*c)->reusable());
  auto second = (*c)->run(envelope(), message("Subject: 2\n\nb\n"));
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(format_verdict(*second), (Strings{"accept", "add-header X-Second: yes"}));
  EXPECT_EQ(m.commands(),
            (Strings{"O", "C", "H", "DM", "M", "A", "DM", "M", "R", "T", "L", "N", "B", "DE", "E"}));
  EXPECT_EQ(m.connections(), 1);
}

TEST_F(MilterSession, RecipientsAreJudgedOneByOne) {
  FakeMilter m(sock_, [&](char c, const std::string& p) -> Strings {
    if (c == 'O') return {negotiate_reply(0, 0)};
    if (c == 'D' || c == 'A') return {};
    if (c == 'R' && p.find("nobody") != std::string::npos) return {reply('y', z("550 5.1.1 no such user"))};
    if (c == 'R' && p.find("later") != std::string::npos) return {reply('t')};
    if (c == 'E') return {reply('a')};
    return {reply('c')};
  });
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok());
  Envelope e = envelope();
  e.rcpts = {"nobody@example.org", "bob@example.org"};
  auto v = (*c)->run(e, message("Subject: x\n\nb\n"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(format_verdict(*v),
            (Strings{"accept", "rcpt-reject nobody@example.org: 550 5.1.1 no such user"}));
  e.rcpts = {"nobody@example.org", "later@example.org"};
  v = (*c)->run(e, message("Subject: x\n\nb\n"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(format_verdict(*v), (Strings{"tempfail", "rcpt-reject nobody@example.org: 550 5.1.1 no such user",
                                         "rcpt-reject later@example.org: tempfail"}));
  // ABORT has no reply: wait until the milter has read it.
  EXPECT_TRUE(postern::test::wait_until([&] { return m.commands().back() == "A"; }, std::chrono::seconds(5)));
}

TEST_F(MilterSession, ConnectionLevelVerdictEndsTheConnection) {
  FakeMilter m(sock_, [&](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(0, 0)};
    if (c == 'C') return {reply('y', z("421 4.7.0 go away"))};
    return {};
  });
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok());
  auto v = (*c)->run(envelope(), message("Subject: x\n\nb\n"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(format_verdict(*v), Strings{"tempfail 421 4.7.0 go away"});
  EXPECT_EQ(v->stage, "connect");
  EXPECT_FALSE((*c)->reusable());
  EXPECT_FALSE((*c)->run(envelope(), message("Subject: x\n\nb\n")).ok());
}

TEST_F(MilterSession, StuckMilterIsAnErrorAfterTheReadTimeout) {
  FakeMilter m(sock_, [&](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(0, 0)};
    if (c == 'M' || c == 'D') return {};  // never answers MAIL
    return {reply('c')};
  });
  auto c = Connection::open(options(std::chrono::milliseconds(200)));
  ASSERT_TRUE(c.ok());
  auto start = std::chrono::steady_clock::now();
  auto v = (*c)->run(envelope(), message("Subject: x\n\nb\n"));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(v.ok());
  EXPECT_TRUE(v.error().temporary());
  EXPECT_NE(v.error().message.find("did not answer mail within the read timeout"), std::string::npos)
      << v.error().message;
  EXPECT_LT(took, std::chrono::seconds(3));
}

TEST_F(MilterSession, ProgressDoesNotOutliveTheMessageDeadline) {
  // A milter that answers end of message with PROGRESS every 50 ms for 3 s: each one restarts the
  // read timeout (150 ms), so only the message deadline (400 ms) ends the wait.
  FakeMilter m(sock_, [&](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(0, 0)};
    if (c == 'D' || c == 'A') return {};
    if (c == 'E') {
      Strings out;
      for (int i = 0; i < 60; ++i) out.insert(out.end(), {FakeMilter::kPause, reply('p')});
      return out;
    }
    return {reply('c')};
  });
  auto o = options(std::chrono::milliseconds(150));
  o.message_timeout = std::chrono::milliseconds(400);
  auto c = Connection::open(o);
  ASSERT_TRUE(c.ok());
  auto start = std::chrono::steady_clock::now();
  auto v = (*c)->run(envelope(), message("Subject: x\n\nb\n"));
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("did not answer end of message within the message timeout"),
            std::string::npos)
      << v.error().message;
  EXPECT_GE(took, std::chrono::milliseconds(390));
  EXPECT_LT(took, std::chrono::seconds(2));
}

TEST_F(MilterSession, ClosedConnectionAndGarbageAreErrors) {
  FakeMilter m(sock_, [&](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(0, 0)};
    if (c == 'H') return {FakeMilter::kClose};
    return {reply('c')};
  });
  auto c = Connection::open(options());
  ASSERT_TRUE(c.ok());
  auto v = (*c)->run(envelope(), message("Subject: x\n\nb\n"));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("closed the connection"), std::string::npos) << v.error().message;

  FakeMilter g((dir_.path() / "g.sock").string(), [&](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(0, 0)};
    if (c == 'C') return {be32(0x7fffffff) + "b"};
    return {};
  });
  auto o = options();
  o.milter.path = (dir_.path() / "g.sock").string();
  auto c2 = Connection::open(o);
  ASSERT_TRUE(c2.ok());
  v = (*c2)->run(envelope(), message("Subject: x\n\nb\n"));
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.error().message.find("limit"), std::string::npos) << v.error().message;
}

TEST_F(MilterSession, NoMilterListeningIsAnError) {
  auto c = Connection::open(options());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("cannot connect"), std::string::npos) << c.error().message;
}

}  // namespace
}  // namespace postern::mta::test
