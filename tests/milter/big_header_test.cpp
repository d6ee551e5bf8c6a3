// Header fields longer than libmilter's default packet limit (65,535 bytes), through a real Postfix
// and postern-milter. Postfix (since 2.3, cleanup_message.c) lowers its header_size_limit to 60,000
// bytes for every message that milters inspect, so a longer field is cut (at the last line
// boundary before the limit) before any milter sees it and the milter protocol never meets a
// field over 64 KB: the message is filtered and delivered as usual, inbound with our
// Authentication-Results, outbound DKIM-signed (the cut field is not one we sign). A 70 KB field
// arrives as at most 60,000 bytes, and the signature made over the cut message verifies.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/dkim/private_key.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"

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

class MilterBigHeader : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      start();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << "test servers did not start: " << setup_error_;
  }
  static void start() {
    dir_ = new TempDir("postern-milter-bighdr");
    chmod(dir_->path().c_str(), 0755);
    dns_ = new TestDnsServer();
    auto pem = generate_dkim_private_key_pem(DkimKeyType::ed25519, 0);
    if (!pem) throw std::runtime_error("keygen: " + pem.error().message);
    auto key = parse_dkim_private_key(*pem);
    if (!key || !dns_->add_txt("s1._domainkey.example.org", key->dns_record()))
      throw std::runtime_error("cannot publish the DKIM key");
    auto key_path = dir_->write("ours.key", *pem);
    chmod(key_path.c_str(), 0644);  // readable after the milter drops to nobody
    std::string sock = (dir_->path() / "milter.sock").string();
    auto conf = dir_->write(
        "postern.conf", "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"" + dns_->address() +
                            "\"]\n[milter]\nsocket = \"unix:" + sock +
                            "\"\nuser = \"nobody\"\ngroup = \"postfix\"\nauthserv_id = \"mx.example.org\"\n"
                            "[dkim]\ninternal_networks = [\"192.0.2.0/24\"]\n"
                            "[[dkim.key]]\ndomain = \"example.org\"\nselector = \"s1\"\nkey_file = \"" +
                            key_path.string() + "\"\n");
    milter_ = new Process({MILTER, "-f", "-c", conf.string()}, (dir_->path() / "milter").string());
    if (!wait_for_unix(sock)) throw std::runtime_error("milter did not start: " + milter_->output());
    PostfixOptions p;
    p.mailboxes = {"bob@example.org"};
    p.domains = {"example.org"};
    p.main_cf["smtpd_milters"] = "unix:" + sock;
    p.main_cf["local_header_rewrite_clients"] = "";
    postfix_ = new PostfixInstance(p);
  }
  static void TearDownTestSuite() {
    delete postfix_;
    delete milter_;
    delete dns_;
    delete dir_;
  }

  static SmtpReply send(const std::string& client, const std::string& from, const std::string& message) {
    SmtpSend s;
    s.port = postfix_->smtp_port();
    s.xclient = "ADDR=" + client + " NAME=[UNAVAILABLE]";
    s.helo = "mail.sender.test";
    s.from = from;
    s.to = {"bob@example.org"};
    s.message = message;
    return smtp_send(s);
  }

  static std::string bob_message(size_t n) {
    EXPECT_TRUE(postfix_->wait_for_messages("bob@example.org", n)) << postfix_->maillog() << milter_->output();
    auto all = postfix_->messages("bob@example.org");
    return all.size() >= n ? all[n - 1] : std::string();
  }

  static TempDir* dir_;
  static TestDnsServer* dns_;
  static Process* milter_;
  static PostfixInstance* postfix_;
  static std::string setup_error_;
  static size_t delivered_;
};

TempDir* MilterBigHeader::dir_ = nullptr;
TestDnsServer* MilterBigHeader::dns_ = nullptr;
Process* MilterBigHeader::milter_ = nullptr;
PostfixInstance* MilterBigHeader::postfix_ = nullptr;
std::string MilterBigHeader::setup_error_;
size_t MilterBigHeader::delivered_ = 0;

TEST_F(MilterBigHeader, InboundSeventyKilobyteFieldIsCutByPostfixAndStamped) {
  std::string field = big_field("X-Big", 70 * 1024);
  auto r = send("203.0.113.5", "carol@sender.test",
                "From: carol@sender.test\r\nTo: bob@example.org\r\nSubject: big inbound\r\n" + field +
                    "\r\nHello.\r\n");
  ASSERT_EQ(r.code, 250) << r.text << postfix_->maillog() << milter_->output();
  std::string msg = bob_message(++delivered_);
  EXPECT_NE(msg.find("Authentication-Results: mx.example.org;"), std::string::npos) << msg.substr(0, 2000);
  EXPECT_NE(msg.find("Subject: big inbound"), std::string::npos);
  // Postfix cut the field to at most 60,000 bytes, at a line boundary (no less than 90% of it).
  size_t from = msg.find("X-Big:"), to = msg.find("\n\n", from);
  ASSERT_NE(from, std::string::npos);
  EXPECT_LE(to - from, 60000u) << postfix_->maillog();
  EXPECT_GE(to - from, 54000u) << postfix_->maillog();
}

TEST_F(MilterBigHeader, OutboundSeventyKilobyteFieldIsCutByPostfixAndSigned) {
  std::string field = big_field("X-Big", 70 * 1024);
  auto r = send("192.0.2.10", "alice@example.org",
                "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: big outbound\r\n" + field +
                    "\r\nHello.\r\n");
  ASSERT_EQ(r.code, 250) << r.text << postfix_->maillog() << milter_->output();
  std::string msg = bob_message(++delivered_);
  EXPECT_NE(msg.find("DKIM-Signature:"), std::string::npos) << milter_->output();
  EXPECT_NE(msg.find("d=example.org"), std::string::npos) << milter_->output();
  auto file = dir_->write("delivered.eml", msg);
  auto v = run_command({POSTERNCTL, "--dns", dns_->address(), "dkim", "verify", file.string()});
  EXPECT_EQ(v.output.substr(0, v.output.find('\n')), "pass") << v.output;
}

}  // namespace
}  // namespace postern::test
