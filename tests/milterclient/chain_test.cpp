// Milter chains: apply_verdict edits the message and envelope as the MTA does between two milters
// (header additions, insertions, changes and deletions, body replacement, sender and recipient
// changes, untrusted sizes refused), and Chain runs each message through scripted milters in order,
// the second seeing the first one's header, a rejection ending the chain.
#include "tools/milterclient/chain.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/harness/temp_dir.h"
#include "tests/milterclient/fake_milter.h"

namespace postern::mta::test {
namespace {

using Strings = std::vector<std::string>;

Message message(const std::string& text) {
  auto m = parse_message(text);
  EXPECT_TRUE(m.ok());
  return m.ok() ? *m : Message{};
}

Modification mod(ReplyType t, uint32_t index, std::string name, std::string value, std::string args = "") {
  Modification m;
  m.type = t;
  m.index = index;
  m.name = std::move(name);
  m.value = std::move(value);
  m.args = std::move(args);
  return m;
}

Strings names(const Message& m) {
  Strings out;
  for (const auto& h : m.headers) out.push_back(h.name + ":" + h.value);
  return out;
}

TEST(ApplyVerdict, HeadersAddedInsertedChangedAndDeleted) {
  Message m = message("Received: one\nSubject: a\nsubject: b\nFrom: x@example.org\n\nbody\n");
  Envelope e;
  Verdict v;
  v.modifications = {mod(ReplyType::add_header, 0, "X-Last", "end"),
                     mod(ReplyType::insert_header, 0, "Authentication-Results", "host;\r\r\n\tdkim=pass"),
                     mod(ReplyType::insert_header, 99, "X-Beyond", "appended"),
                     mod(ReplyType::change_header, 2, "SUBJECT", "second"),
                     mod(ReplyType::change_header, 1, "Received", ""),
                     mod(ReplyType::change_header, 1, "X-Missing", "added")};
  ASSERT_TRUE(apply_verdict(v, false, m, e).ok());
  EXPECT_EQ(names(m),
            (Strings{"Authentication-Results: host;\n\tdkim=pass", "Subject: a", "subject: second",
                     "From: x@example.org", "X-Last: end", "X-Beyond: appended", "X-Missing: added"}));
  EXPECT_EQ(m.body, "body\r\n");
}

TEST(ApplyVerdict, LeadingSpaceMilterValuesKeptExactly) {
  Message m = message("From: x@example.org\n\n");
  Envelope e;
  Verdict v;
  v.modifications = {mod(ReplyType::add_header, 0, "X-Tight", "v"),
                     mod(ReplyType::add_header, 0, "X-Spaced", "  w")};
  ASSERT_TRUE(apply_verdict(v, true, m, e).ok());
  EXPECT_EQ(names(m), (Strings{"From: x@example.org", "X-Tight:v", "X-Spaced:  w"}));
}

TEST(ApplyVerdict, BodyAndEnvelopeChanges) {
  Message m = message("From: x@example.org\n\nold\n");
  Envelope e;
  e.from = "a@example.org";
  e.rcpts = {"b@example.org", "C@Example.org"};
  Verdict v;
  v.modifications = {mod(ReplyType::replace_body, 0, "", "new\r\n"),
                     mod(ReplyType::change_from, 0, "", "<bounce@example.org>", "SIZE=1"),
                     mod(ReplyType::del_rcpt, 0, "", "<c@example.org>"),
                     mod(ReplyType::add_rcpt_par, 0, "", "<d@example.org>", "NOTIFY=NEVER")};
  ASSERT_TRUE(apply_verdict(v, false, m, e).ok());
  EXPECT_EQ(m.body, "new\r\n");
  EXPECT_EQ(e.from, "bounce@example.org");
  EXPECT_EQ(e.rcpts, (Strings{"b@example.org", "d@example.org"}));
}

TEST(ApplyVerdict, UntrustedSizesAreErrors) {
  Message m = message("From: x@example.org\n\n");
  Envelope e;
  Verdict big;
  big.modifications = {mod(ReplyType::add_header, 0, "X-Big", std::string(kMaxHeaderFieldBytes, 'a'))};
  EXPECT_FALSE(apply_verdict(big, false, m, e).ok());
  Verdict nameless;
  nameless.modifications = {mod(ReplyType::insert_header, 0, "", "v")};
  EXPECT_FALSE(apply_verdict(nameless, false, m, e).ok());
  EXPECT_EQ(m.headers.size(), 1u);
}

// A milter that answers CONTINUE to each step, and at end of message sends eom then ACCEPT (or
// the final reply given).
FakeMilter::Handler scripted(Strings eom, std::string final_reply = reply('a')) {
  return [=](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(act::add_headers | act::change_headers, 0)};
    if (c == 'D' || c == 'A' || c == 'Q') return {};
    if (c == 'E') {
      Strings out = eom;
      out.push_back(final_reply);
      return out;
    }
    return {reply('c')};
  };
}

class MilterChain : public ::testing::Test {
 protected:
  std::vector<ClientOptions> options(const Strings& socks) {
    std::vector<ClientOptions> out;
    for (const auto& s : socks) {
      ClientOptions o;
      o.milter.unix_socket = true;
      o.milter.path = s;
      o.read_timeout = std::chrono::seconds(5);
      out.push_back(o);
    }
    return out;
  }
  static Envelope envelope() {
    Envelope e;
    e.from = "alice@example.org";
    e.rcpts = {"bob@example.org"};
    return e;
  }
  // The header fields (name: value) a fake milter received.
  static Strings headers_seen(const FakeMilter& m) {
    Strings out;
    for (const auto& [c, p] : m.packets()) {
      if (c != 'L') continue;
      size_t nul = p.find('\0');
      out.push_back(p.substr(0, nul) + ": " + p.substr(nul + 1, p.size() - nul - 2));
    }
    return out;
  }
  static int mail_commands(const FakeMilter& m) {
    int n = 0;
    for (const auto& [c, p] : m.packets()) n += c == 'M';
    return n;
  }

  postern::test::TempDir dir_{"postern-mchain"};
  std::string a_ = (dir_.path() / "a.sock").string();
  std::string b_ = (dir_.path() / "b.sock").string();
};

TEST_F(MilterChain, SecondMilterSeesTheFirstOnesHeaderAndVerdictsCombine) {
  FakeMilter first(a_, scripted({reply('i', be32(0) + z("Authentication-Results") + z("first; dkim=pass"))}));
  FakeMilter second(b_, scripted({reply('h', z("X-Second") + z("seen"))}));
  auto chain = Chain::open(options({a_, b_}));
  ASSERT_TRUE(chain.ok()) << chain.error().message;
  const Message msg = message("From: alice@example.org\nSubject: hi\n\nbody\n");
  for (int round = 0; round < 2; ++round) {
    auto v = (*chain)->run(envelope(), msg);
    ASSERT_TRUE(v.ok()) << v.error().message;
    EXPECT_EQ(format_verdict(*v),
              (Strings{"accept", "insert-header 0 Authentication-Results: first; dkim=pass",
                       "add-header X-Second: seen"}));
  }
  EXPECT_TRUE((*chain)->reusable());
  (*chain)->quit();
  Strings once = {"Authentication-Results: first; dkim=pass", "From: alice@example.org", "Subject: hi"};
  Strings twice = once;
  twice.insert(twice.end(), once.begin(), once.end());
  EXPECT_EQ(headers_seen(second), twice);
  EXPECT_EQ(headers_seen(first),
            (Strings{"From: alice@example.org", "Subject: hi", "From: alice@example.org", "Subject: hi"}));
  EXPECT_EQ(first.connections(), 1);
  EXPECT_EQ(second.connections(), 1);
}

TEST_F(MilterChain, RejectionEndsTheChain) {
  FakeMilter first(a_, [](char c, const std::string&) -> Strings {
    if (c == 'O') return {negotiate_reply(act::add_headers, 0)};
    if (c == 'D') return {};
    if (c == 'M') return {reply('y', z("550 5.7.1 no"))};
    return {reply('c')};
  });
  FakeMilter second(b_, scripted({}));
  auto chain = Chain::open(options({a_, b_}));
  ASSERT_TRUE(chain.ok()) << chain.error().message;
  auto v = (*chain)->run(envelope(), message("From: alice@example.org\n\nbody\n"));
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_EQ(format_verdict(*v), Strings{"reject 550 5.7.1 no"});
  EXPECT_EQ(v->stage, "mail");
  (*chain)->quit();
  EXPECT_EQ(mail_commands(first), 1);
  EXPECT_EQ(mail_commands(second), 0);
}

TEST_F(MilterChain, AMissingMilterIsNamedByPosition) {
  FakeMilter first(a_, scripted({}));
  auto chain = Chain::open(options({a_, b_}));
  ASSERT_FALSE(chain.ok());
  EXPECT_NE(chain.error().message.find("milter 2:"), std::string::npos) << chain.error().message;
  EXPECT_FALSE(Chain::open({}).ok());
}

}  // namespace
}  // namespace postern::mta::test
