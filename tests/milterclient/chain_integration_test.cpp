// postern-milter-client --milter A --milter B against real milters: Debian's opendkim signing mail
// of an internal client, then postern-milter verifying it (its key served by a loopback test DNS
// server). postern-milter can only say dkim=pass for example.org if it received the DKIM-Signature
// header opendkim inserted, so this proves the chain hands each milter the previous one's
// modifications; the reverse order shows dkim=none. Runs the binary: options, output and --tally.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/harness/dns_server.h"
#include "tests/harness/net.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {
namespace {

using Strings = std::vector<std::string>;

const char kMessage[] =
    "From: Alice <alice@example.org>\n"
    "To: bob@example.org\n"
    "Subject: chained milters\n"
    "Date: Mon, 23 Nov 2026 07:00:00 +0000\n"
    "Message-ID: <chain-1@example.org>\n"
    "\n"
    "Hello Bob,\n"
    "a body line.\n";

CommandResult client(const Strings& args) {
  Strings argv = {MILTER_CLIENT};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, "", std::chrono::seconds(30));
}

Strings lines(const std::string& text) {
  Strings out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class MilterChainCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (find_program("opendkim").empty()) return;
    try {
      start();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void start() {
    dir_ = new TempDir("postern-mchain-cli");
    chmod(dir_->path().c_str(), 0755);
    std::string d = dir_->str();
    auto gen = run_command({"openssl", "genrsa", "-out", d + "/sel.private", "2048"});
    if (gen.exit_code != 0) throw std::runtime_error("openssl genrsa: " + gen.output);
    chmod((d + "/sel.private").c_str(), 0600);
    auto pub = run_command(
        {"sh", "-c",
         "openssl rsa -in '" + d + "/sel.private' -pubout -outform DER 2>/dev/null | base64 -w0"});
    if (pub.exit_code != 0 || pub.output.empty()) throw std::runtime_error("public key: " + pub.output);
    dns_ = new TestDnsServer();
    if (!dns_->add_txt("sel._domainkey.example.org", "v=DKIM1; k=rsa; p=" + pub.output)) {
      throw std::runtime_error("cannot add the key record");
    }
    dkim_sock_ = d + "/dkim.sock";
    auto dconf =
        dir_->write("opendkim.conf", "Syslog no\nMode s\nDomain example.org\nSelector sel\nKeyFile " + d +
                                         "/sel.private\nSocket local:" + dkim_sock_ +
                                         "\nInternalHosts 127.0.0.1\nRequireSafeKeys no\nPidFile " + d +
                                         "/opendkim.pid\n");
    opendkim_ = new Process({find_program("opendkim"), "-f", "-x", dconf.string()}, d + "/opendkim");
    pm_sock_ = d + "/postern.sock";
    auto pconf =
        dir_->write("postern.conf", "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"" +
                                        dns_->address() + "\"]\n[milter]\nsocket = \"unix:" + pm_sock_ +
                                        "\"\nuser = \"nobody\"\ngroup = \"postfix\"\nauthserv_id = "
                                        "\"mx.test\"\n[dkim]\nsign = false\ninternal_networks = []\n");
    milter_ = new Process({POSTERN_MILTER, "-f", "-c", pconf.string()}, d + "/postern");
    if (!wait_for_unix(dkim_sock_))
      throw std::runtime_error("opendkim did not start: " + opendkim_->output());
    if (!wait_for_unix(pm_sock_))
      throw std::runtime_error("postern-milter did not start: " + milter_->output());
    message_ = dir_->write("message.eml", kMessage).string();
  }
  static void TearDownTestSuite() {
    // libmilter notices SIGTERM only between its 5-second polls; no clean stop is needed here.
    for (auto* p : {opendkim_, milter_}) {
      if (p) p->stop(std::chrono::milliseconds(300));
      delete p;
    }
    delete dns_;
    delete dir_;
    opendkim_ = milter_ = nullptr;
    dns_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << setup_error_;
    if (!dir_) GTEST_SKIP() << "opendkim is not installed";
  }
  static Strings envelope() {
    return {"--client-ip", "127.0.0.1", "--from", "alice@example.org", "--rcpt", "bob@example.org"};
  }

  static TempDir* dir_;
  static TestDnsServer* dns_;
  static Process* opendkim_;
  static Process* milter_;
  static std::string dkim_sock_, pm_sock_, message_, setup_error_;
};

TempDir* MilterChainCli::dir_ = nullptr;
TestDnsServer* MilterChainCli::dns_ = nullptr;
Process* MilterChainCli::opendkim_ = nullptr;
Process* MilterChainCli::milter_ = nullptr;
std::string MilterChainCli::dkim_sock_, MilterChainCli::pm_sock_, MilterChainCli::message_,
    MilterChainCli::setup_error_;

TEST_F(MilterChainCli, SecondMilterVerifiesTheSignatureTheFirstAdded) {
  Strings args = {"--milter", "local:" + dkim_sock_, "--milter", "unix:" + pm_sock_};
  auto e = envelope();
  args.insert(args.end(), e.begin(), e.end());
  args.push_back(message_);
  auto r = client(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto out = lines(r.output);
  ASSERT_EQ(out.size(), 3u) << r.output;
  EXPECT_EQ(out[0], "accept");
  EXPECT_EQ(out[1].rfind("insert-header 0 DKIM-Signature: ", 0), 0u) << r.output;
  EXPECT_NE(out[1].find("d=example.org"), std::string::npos) << r.output;
  EXPECT_EQ(out[2].rfind("insert-header 0 Authentication-Results: mx.test;", 0), 0u) << r.output;
  EXPECT_NE(out[2].find("dkim=pass"), std::string::npos) << r.output;
  EXPECT_NE(out[2].find("header.d=example.org"), std::string::npos) << r.output;
}

TEST_F(MilterChainCli, OrderMattersTheVerifierFirstSeesNoSignature) {
  Strings args = {"--milter", "unix:" + pm_sock_, "--milter", "local:" + dkim_sock_};
  auto e = envelope();
  args.insert(args.end(), e.begin(), e.end());
  args.push_back(message_);
  auto r = client(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("dkim=none"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("dkim=pass"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DKIM-Signature: "), std::string::npos) << r.output;
}

TEST_F(MilterChainCli, BenchmarkTalliesEveryMessageOfTheChain) {
  Strings args = {"--milter",      "local:" + dkim_sock_,
                  "--milter",      "unix:" + pm_sock_,
                  "--connections", "3",
                  "--count",       "30",
                  "--tally",       "dkim=pass",
                  "--tally",       "DKIM-Signature",
                  "--tally",       "dmarc=fail"};
  auto e = envelope();
  args.insert(args.end(), e.begin(), e.end());
  args.push_back(message_);
  auto r = client(args);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("messages 30\n", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("\nmilters 2\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\ntally dkim=pass 30\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\ntally DKIM-Signature 30\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\ntally dmarc=fail 0\n"), std::string::npos) << r.output;
}

TEST_F(MilterChainCli, AMilterThatIsNotThereIsNamedByPosition) {
  Strings args = {"--milter", "local:" + dkim_sock_, "--milter", "unix:" + dir_->str() + "/absent.sock"};
  args.push_back(message_);
  auto r = client(args);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("milter 2:"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace postern::test
