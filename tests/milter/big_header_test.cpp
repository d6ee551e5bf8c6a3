// Header fields longer than libmilter's default packet limit (65,535 bytes), through a real Postfix
// and postern-milter. Postfix (since 2.3, cleanup_message.c) lowers its header_size_limit to 60,000
// bytes for every message that milters inspect, so a longer field is cut (at the last line
// boundary before the limit) before any milter sees it and the milter protocol never meets a
// field over 64 KB: the message is filtered and delivered as usual, inbound with our
// Authentication-Results, outbound DKIM-signed (the cut field is not one we sign). A 70 KB field
// arrives as at most 60,000 bytes, and the signature made over the cut message verifies.
#include <gtest/gtest.h>

#include "tests/harness/milter_stack.h"

namespace postern::test {
namespace {

// A header field of about `bytes` bytes, folded into 78-byte lines as SMTP needs.
std::string big_field(const std::string& name, size_t bytes) {
  std::string f = name + ":";
  size_t line = f.size();
  size_t i = 0;
  while (f.size() < bytes) {
    if (line >= 70) {
      f += "\r\n";
      line = 0;
    }
    std::string word = " w" + std::to_string(i++);
    f += word;
    line += word.size();
  }
  return f + "\r\n";
}

class MilterBigHeader : public MilterStackSuite<MilterBigHeader> {
 public:
  static MilterStackOptions options() {
    MilterStackOptions o;
    o.milter = MILTER;
    o.dir_prefix = "postern-milter-bighdr";
    o.dkim_keys = {"example.org"};
    o.key_type = DkimKeyType::ed25519;
    o.key_bits = 0;
    o.signing_domains = {"example.org"};
    o.sections = "[dkim]\ninternal_networks = [\"192.0.2.0/24\"]\n";
    return o;
  }

 protected:
  static std::string bob_message() { return stack().delivered("bob@example.org", ++delivered_); }
  static inline size_t delivered_ = 0;
};

TEST_F(MilterBigHeader, InboundSeventyKilobyteFieldIsCutByPostfixAndStamped) {
  std::string field = big_field("X-Big", 70 * 1024);
  auto r = stack().inbound(
      "carol@sender.test",
      "From: carol@sender.test\r\nTo: bob@example.org\r\nSubject: big inbound\r\n" + field + "\r\nHello.\r\n",
      "203.0.113.5");
  ASSERT_EQ(r.code, 250) << r.text << stack().postfix().maillog() << stack().milter().output();
  std::string msg = bob_message();
  EXPECT_NE(msg.find("Authentication-Results: mx.example.org;"), std::string::npos) << msg.substr(0, 2000);
  EXPECT_NE(msg.find("Subject: big inbound"), std::string::npos);
  // Postfix cut the field to at most 60,000 bytes, at a line boundary (no less than 90% of it).
  size_t from = msg.find("X-Big:"), to = msg.find("\n\n", from);
  ASSERT_NE(from, std::string::npos);
  EXPECT_LE(to - from, 60000u) << stack().postfix().maillog();
  EXPECT_GE(to - from, 54000u) << stack().postfix().maillog();
}

TEST_F(MilterBigHeader, OutboundSeventyKilobyteFieldIsCutByPostfixAndSigned) {
  std::string field = big_field("X-Big", 70 * 1024);
  auto r = stack().inbound("alice@example.org",
                           "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: big outbound\r\n" +
                               field + "\r\nHello.\r\n",
                           "192.0.2.10");
  ASSERT_EQ(r.code, 250) << r.text << stack().postfix().maillog() << stack().milter().output();
  std::string msg = bob_message();
  EXPECT_NE(msg.find("DKIM-Signature:"), std::string::npos) << stack().milter().output();
  EXPECT_NE(msg.find("d=example.org"), std::string::npos) << stack().milter().output();
  auto file = stack().dir().write("delivered.eml", msg);
  auto v = run_command({POSTERNCTL, "--dns", stack().dns().address(), "dkim", "verify", file.string()});
  EXPECT_EQ(v.output.substr(0, v.output.find('\n')), "pass") << v.output;
}

}  // namespace
}  // namespace postern::test
