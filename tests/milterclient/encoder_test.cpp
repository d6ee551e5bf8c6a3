// Command encoder and milter socket specs: exact bytes on the wire for each command.
#include "tools/milterclient/encoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tools/milterclient/milter_spec.h"
#include "tools/milterclient/protocol.h"

namespace postern::mta {
namespace {

using namespace std::string_literals;

TEST(MilterEncoder, PacketFraming) {
  EXPECT_EQ(encode_command(cmd::eob), "\0\0\0\1E"s);
  EXPECT_EQ(encode_command(cmd::quit), "\0\0\0\1Q"s);
  EXPECT_EQ(encode_body("abc\r\n"), "\0\0\0\6Babc\r\n"s);
  std::string big(kMaxBodyChunk, 'x');
  std::string p = encode_body(big);
  EXPECT_EQ(p.substr(0, 5), "\0\1\0\0B"s);  // 65536 = 65535 + command byte
}

TEST(MilterEncoder, Negotiation) {
  EXPECT_EQ(encode_optneg(6, act::all, proto::offered), "\0\0\0\x0dO\0\0\0\6\0\0\x01\xff\0\x1f\xff\xff"s);
}

TEST(MilterEncoder, Connect) {
  EXPECT_EQ(encode_connect("mx.test", Family::inet4, 25, "192.0.2.1"),
            "\0\0\0\x16"
            "Cmx.test\0"
            "4\0\x19"
            "192.0.2.1\0"s);
  EXPECT_EQ(encode_connect("h", Family::inet6, 0x1234, "2001:db8::1"),
            "\0\0\0\x12"
            "Ch\0"
            "6\x12\x34"
            "2001:db8::1\0"s);
  EXPECT_EQ(encode_connect("h", Family::unix_path, 0, "/s"),
            "\0\0\0\x09"
            "Ch\0"
            "L\0\0/s\0"s);
  EXPECT_EQ(encode_connect("unknown", Family::unknown, 0, "ignored"),
            "\0\0\0\x0a"
            "Cunknown\0U"s);
}

TEST(MilterEncoder, EnvelopeAndHeaders) {
  EXPECT_EQ(encode_helo("client.test"),
            "\0\0\0\x0d"
            "Hclient.test\0"s);
  EXPECT_EQ(encode_mail("a@b"),
            "\0\0\0\x07"
            "M<a@b>\0"s);
  EXPECT_EQ(encode_mail("<a@b>", {"SIZE=10"}),
            "\0\0\0\x0f"
            "M<a@b>\0SIZE=10\0"s);
  EXPECT_EQ(encode_mail(""),
            "\0\0\0\x04"
            "M<>\0"s);
  EXPECT_EQ(encode_rcpt("c@d"),
            "\0\0\0\x07"
            "R<c@d>\0"s);
  EXPECT_EQ(encode_header("Subject", "hi\n\tthere"),
            "\0\0\0\x13"
            "LSubject\0hi\n\tthere\0"s);
  EXPECT_EQ(encode_macros(cmd::mail, {{"i", "ABC"}, {"{auth_authen}", "alice"}}),
            "\0\0\0\x1c"
            "DMi\0ABC\0{auth_authen}\0alice\0"s);
}

TEST(MilterSpec, AllSpellings) {
  auto u = parse_milter_spec("unix:/run/m.sock");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->unix_socket);
  EXPECT_EQ(u->path, "/run/m.sock");
  auto l = parse_milter_spec("local:/run/m.sock");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->path, "/run/m.sock");
  for (std::string s : {"inet:8891@127.0.0.1", "inet:8891@localhost", "inet:127.0.0.1:8891",
                        "inet:localhost:8891", "inet:8891@[127.0.0.1]"}) {
    auto i = parse_milter_spec(s);
    ASSERT_TRUE(i.ok()) << s << ": " << i.error().message;
    EXPECT_FALSE(i->unix_socket);
    EXPECT_EQ(i->host, "127.0.0.1") << s;
    EXPECT_EQ(i->port, 8891) << s;
  }
  auto v6 = parse_milter_spec("inet6:8891@::1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  auto v6b = parse_milter_spec("inet:[::1]:8891");
  ASSERT_TRUE(v6b.ok());
  EXPECT_EQ(v6b->port, 8891);
  for (std::string bad : std::vector<std::string>{"", "unix:relative", "inet:8891", "inet:x@127.0.0.1",
                                                  "inet:8891@mail.example.org", "inet:0@127.0.0.1",
                                                  "inet:70000@127.0.0.1", "inet6:::1:25", "tcp:1.2.3.4:5",
                                                  "inet:" + std::string(300, '1') + "@127.0.0.1"}) {
    EXPECT_FALSE(parse_milter_spec(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace postern::mta
