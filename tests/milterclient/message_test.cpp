// Message-file parser: fields as an MTA hands them to a milter, CRLF and LF input alike.
#include "tools/milterclient/message.h"

#include <gtest/gtest.h>

namespace postern::mta {
namespace {

TEST(MilterMessage, FoldedFieldsStayOneFieldWithContinuationLines) {
  auto m = parse_message(
      "From: a@example.org\nSubject: one\n  two\n\tthree\nTo:b@example.org\n\nline 1\nline 2\n");
  ASSERT_TRUE(m.ok()) << m.error().message;
  ASSERT_EQ(m->headers.size(), 3u);
  EXPECT_EQ(m->headers[0].name, "From");
  EXPECT_EQ(m->headers[0].value, " a@example.org");
  EXPECT_EQ(m->headers[1].name, "Subject");
  EXPECT_EQ(m->headers[1].value, " one\n  two\n\tthree");
  EXPECT_EQ(m->headers[2].value, "b@example.org");
  EXPECT_EQ(m->body, "line 1\r\nline 2\r\n");
}

TEST(MilterMessage, CrlfAndLfGiveTheSameMessage) {
  std::string lf = "From: a@example.org\nSubject: x\n y\n\nbody\n\n.dot\n";
  std::string crlf = "From: a@example.org\r\nSubject: x\r\n y\r\n\r\nbody\r\n\r\n.dot\r\n";
  auto a = parse_message(lf), b = parse_message(crlf);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->headers.size(), b->headers.size());
  for (size_t i = 0; i < a->headers.size(); ++i) {
    EXPECT_EQ(a->headers[i].name, b->headers[i].name);
    EXPECT_EQ(a->headers[i].value, b->headers[i].value);
  }
  EXPECT_EQ(a->body, b->body);
  EXPECT_EQ(a->body, "body\r\n\r\n.dot\r\n");
}

TEST(MilterMessage, EdgeCases) {
  auto no_body = parse_message("Subject: x\n");
  ASSERT_TRUE(no_body.ok());
  EXPECT_EQ(no_body->body, "");
  auto empty_body = parse_message("Subject: x\n\n");
  ASSERT_TRUE(empty_body.ok());
  EXPECT_EQ(empty_body->body, "");
  auto last_line = parse_message("Subject: x\n\nno newline at end");
  ASSERT_TRUE(last_line.ok());
  EXPECT_EQ(last_line->body, "no newline at end\r\n");
  auto mbox = parse_message("From sender@example.org Mon Nov 23 07:00:00 2026\nSubject: x\n\nb\n");
  ASSERT_TRUE(mbox.ok());
  ASSERT_EQ(mbox->headers.size(), 1u);
  EXPECT_EQ(mbox->headers[0].name, "Subject");
  auto obs = parse_message("Subject : x\n\n");
  ASSERT_TRUE(obs.ok());
  EXPECT_EQ(obs->headers[0].name, "Subject");
  auto nul_body = parse_message(std::string("S: x\n\na\0b\n", 10));
  ASSERT_TRUE(nul_body.ok());
  EXPECT_EQ(nul_body->body, std::string("a\0b\r\n", 5));
}

TEST(MilterMessage, ErrorsNameTheLine) {
  auto cont = parse_message(" starts folded\nSubject: x\n\n");
  ASSERT_FALSE(cont.ok());
  EXPECT_NE(cont.error().message.find("line 1"), std::string::npos);
  auto nocolon = parse_message("Subject: x\nnot a header\n\n");
  ASSERT_FALSE(nocolon.ok());
  EXPECT_NE(nocolon.error().message.find("line 2"), std::string::npos);
  EXPECT_FALSE(parse_message(":empty name\n\n").ok());
  EXPECT_FALSE(parse_message("Bad\x01Name: x\n\n").ok());
  EXPECT_FALSE(parse_message(std::string("Subject: a\0b\n\n", 14)).ok());
  EXPECT_FALSE(parse_message("Subject: " + std::string(kMaxHeaderFieldBytes, 'x') + "\n\n").ok());
  std::string folded = "Subject: x\n";
  for (int i = 0; i < 1000; ++i) folded += " " + std::string(100, 'y') + "\n";
  EXPECT_FALSE(parse_message(folded + "\n").ok());
  std::string many;
  for (size_t i = 0; i <= kMaxHeaderFields; ++i) many += "X: y\n";
  EXPECT_FALSE(parse_message(many + "\n").ok());
}

}  // namespace
}  // namespace postern::mta
