// Reply decoder: every reply type decodes to the right fields; a stream of replies gives the same
// result however it is split across reads; malformed and oversized packets are clean errors.
#include "tools/milterclient/reply.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/milterclient/encoder.h"

namespace postern::mta {
namespace {

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string pkt(char c, const std::string& payload = "") { return encode_packet(c, payload); }
std::string z(const std::string& s) { return s + std::string(1, '\0'); }

Reply one(const std::string& bytes) {
  auto f = split_frame(bytes);
  EXPECT_TRUE(f.ok() && f->has_value());
  auto r = parse_reply((**f).command, (**f).payload);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : Reply{};
}

Error err(const std::string& bytes) {
  ReplyStream s;
  s.append(bytes);
  auto r = s.next();
  EXPECT_FALSE(r.ok());
  return r.ok() ? Error{} : r.error();
}

TEST(MilterReply, SimpleVerdicts) {
  EXPECT_EQ(one(pkt('a')).type, ReplyType::accept);
  EXPECT_EQ(one(pkt('c')).type, ReplyType::cont);
  EXPECT_EQ(one(pkt('r')).type, ReplyType::reject);
  EXPECT_EQ(one(pkt('t')).type, ReplyType::tempfail);
  EXPECT_EQ(one(pkt('d')).type, ReplyType::discard);
  EXPECT_EQ(one(pkt('s')).type, ReplyType::skip);
  EXPECT_EQ(one(pkt('p')).type, ReplyType::progress);
  EXPECT_EQ(one(pkt('f')).type, ReplyType::conn_fail);
  EXPECT_EQ(one(pkt('4')).type, ReplyType::shutdown);
}

TEST(MilterReply, ReplyCode) {
  Reply r = one(pkt('y', z("553 5.7.1 Sender address <x@y> is not owned")));
  EXPECT_EQ(r.type, ReplyType::reply_code);
  EXPECT_EQ(r.code, 553);
  EXPECT_EQ(r.value, "553 5.7.1 Sender address <x@y> is not owned");
  EXPECT_EQ(one(pkt('y', z("451"))).code, 451);
  EXPECT_EQ(one(pkt('y', z("550-first\r\n550 second"))).code, 550);
  for (std::string bad : {"250 ok", "abc", "55", "5x0 no", "550no space", "650 x"}) {
    EXPECT_FALSE(parse_reply('y', z(bad)).ok()) << bad;
  }
  EXPECT_FALSE(parse_reply('y', "550 missing nul").ok());
}

TEST(MilterReply, Modifications) {
  Reply h = one(pkt('h', z("X-Test") + z(" value")));
  EXPECT_EQ(h.type, ReplyType::add_header);
  EXPECT_EQ(h.name, "X-Test");
  EXPECT_EQ(h.value, " value");
  Reply i = one(pkt('i', be32(3) + z("DKIM-Signature") + z("v=1;\n\td=example.org")));
  EXPECT_EQ(i.type, ReplyType::insert_header);
  EXPECT_EQ(i.index, 3u);
  EXPECT_EQ(i.value, "v=1;\n\td=example.org");
  Reply m = one(pkt('m', be32(2) + z("Subject") + z("")));
  EXPECT_EQ(m.type, ReplyType::change_header);
  EXPECT_EQ(m.index, 2u);
  EXPECT_EQ(m.value, "");
  EXPECT_EQ(one(pkt('+', z("<a@b>"))).value, "<a@b>");
  Reply p = one(pkt('2', z("<a@b>") + z("NOTIFY=NEVER")));
  EXPECT_EQ(p.type, ReplyType::add_rcpt_par);
  EXPECT_EQ(p.args, "NOTIFY=NEVER");
  EXPECT_EQ(one(pkt('-', z("<a@b>"))).type, ReplyType::del_rcpt);
  Reply e = one(pkt('e', z("<new@b>")));
  EXPECT_EQ(e.type, ReplyType::change_from);
  EXPECT_EQ(e.args, "");
  EXPECT_EQ(one(pkt('e', z("<new@b>") + z("SIZE=10"))).args, "SIZE=10");
  Reply b = one(pkt('b', std::string("a\0b\r\n", 5)));
  EXPECT_EQ(b.type, ReplyType::replace_body);
  EXPECT_EQ(b.value, std::string("a\0b\r\n", 5));
  Reply q = one(pkt('q', z("looks like spam")));
  EXPECT_EQ(q.type, ReplyType::quarantine);
  EXPECT_EQ(q.value, "looks like spam");
}

TEST(MilterReply, Negotiation) {
  Reply n = one(pkt('O', be32(6) + be32(0x111) + be32(0x100702)));
  EXPECT_EQ(n.type, ReplyType::negotiate);
  EXPECT_EQ(n.negotiation.version, 6u);
  EXPECT_EQ(n.negotiation.actions, 0x111u);
  EXPECT_EQ(n.negotiation.protocol, 0x100702u);
  EXPECT_TRUE(n.negotiation.symlists.empty());
  Reply s =
      one(pkt('O', be32(6) + be32(0x1ff) + be32(0) + be32(2) + z("{auth_authen} i") + be32(5) + z("i")));
  ASSERT_EQ(s.negotiation.symlists.size(), 2u);
  EXPECT_EQ(s.negotiation.symlists[0].stage, 2u);
  EXPECT_EQ(s.negotiation.symlists[0].macros, "{auth_authen} i");
  EXPECT_EQ(s.negotiation.symlists[1].macros, "i");
}

TEST(MilterReply, MalformedPacketsAreErrors) {
  EXPECT_NE(err(be32(0)).message.find("length 0"), std::string::npos);
  EXPECT_NE(err(be32(kMaxPacketLength + 1) + "b").message.find("limit"), std::string::npos);
  EXPECT_NE(err(be32(0xffffffffu)).message.find("limit"), std::string::npos);
  err(pkt('a', "x"));                                 // payload where none belongs
  err(pkt('Z'));                                      // unknown reply
  err(pkt('\x01'));                                   // unknown, not printable
  err(pkt('h', "NoNul"));                             // header name not terminated
  err(pkt('h', z("Name") + "value"));                 // value not terminated
  err(pkt('h', z("") + z("v")));                      // empty header name
  err(pkt('h', z("N") + z("v") + "x"));               // trailing bytes
  err(pkt('i', "ab"));                                // too short for an index
  err(pkt('m', be32(1) + "Subject"));                 // no NUL
  err(pkt('+', z("")));                               // empty recipient
  err(pkt('O', be32(6) + be32(1)));                   // short negotiation
  err(pkt('O', be32(6) + be32(1) + be32(1) + "ab"));  // truncated macro list stage
  err(pkt('O', be32(6) + be32(1) + be32(1) + be32(1) + "noterm"));
  std::string many = be32(6) + be32(1) + be32(1);
  for (size_t i = 0; i <= kMaxSymlistEntries; ++i) many += be32(1) + z("i");
  err(pkt('O', many));
  EXPECT_NE(err(pkt('Z')).message.find("unknown reply 'Z'"), std::string::npos);
  EXPECT_NE(err(pkt('\x01')).message.find("\\x01"), std::string::npos);
}

TEST(MilterReply, IncompletePacketsWaitForMoreBytes) {
  std::string p = pkt('y', z("550 5.7.1 no"));
  for (size_t n = 0; n < p.size(); ++n) {
    auto f = split_frame(std::string_view(p).substr(0, n));
    ASSERT_TRUE(f.ok());
    EXPECT_FALSE(f->has_value()) << n;
  }
  auto f = split_frame(p + "extra");
  ASSERT_TRUE(f.ok() && f->has_value());
  EXPECT_EQ((**f).size, p.size());
}

// The reply stream of a signing milter at end of message, as a list of (command, value) pairs.
std::vector<std::string> decode_in_pieces(const std::string& stream, const std::vector<size_t>& cuts,
                                          std::string& error) {
  ReplyStream s;
  std::vector<std::string> out;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(stream.size());
  for (size_t end : ends) {
    s.append(std::string_view(stream).substr(start, end - start));
    start = end;
    for (;;) {
      auto r = s.next();
      if (!r) {
        error = r.error().message;
        return out;
      }
      if (!r->has_value()) break;
      out.push_back(std::string(1, (**r).command) + "|" + std::to_string((**r).index) + "|" + (**r).name +
                    "|" + (**r).value + "|" + (**r).args);
    }
  }
  EXPECT_EQ(s.buffered(), 0u);
  return out;
}

TEST(MilterReply, EverySplitOfAStreamGivesTheSameReplies) {
  std::string stream = pkt('p') + pkt('h', z("X-A") + z("1")) +
                       pkt('i', be32(0) + z("DKIM-Signature") + z("v=1; a=rsa-sha256;\n\tb=abc")) +
                       pkt('m', be32(1) + z("Subject") + z("")) + pkt('2', z("<x@y>") + z("NOTIFY=NEVER")) +
                       pkt('b', std::string(300, 'x')) + pkt('q', z("held")) + pkt('y', z("550 5.7.1 no"));
  std::string error;
  auto whole = decode_in_pieces(stream, {}, error);
  ASSERT_TRUE(error.empty()) << error;
  ASSERT_EQ(whole.size(), 8u);
  for (size_t a = 0; a <= stream.size(); ++a) {
    auto got = decode_in_pieces(stream, {a}, error);
    ASSERT_TRUE(error.empty()) << a;
    ASSERT_EQ(got, whole) << "split at " << a;
  }
  // Three pieces, over the first packets (every pair of cut points).
  for (size_t a = 0; a <= 60; ++a) {
    for (size_t b = a; b <= 60; ++b) {
      ASSERT_EQ(decode_in_pieces(stream, {a, b}, error), whole) << a << "," << b;
    }
  }
  // Byte by byte.
  std::vector<size_t> all;
  for (size_t i = 1; i < stream.size(); ++i) all.push_back(i);
  EXPECT_EQ(decode_in_pieces(stream, all, error), whole);
}

TEST(MilterReply, AnErrorMidStreamIsReportedWhateverTheSplit) {
  std::string stream = pkt('c') + pkt('h', "bad") + pkt('a');
  for (size_t a = 0; a <= stream.size(); ++a) {
    std::string error;
    auto got = decode_in_pieces(stream, {a}, error);
    EXPECT_EQ(got.size(), 1u) << a;
    EXPECT_FALSE(error.empty()) << a;
  }
}

}  // namespace
}  // namespace postern::mta
