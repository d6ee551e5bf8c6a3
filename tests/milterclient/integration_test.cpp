// postern-milter-client against real milters on unix sockets in a temporary directory:
// Debian's opendkim (signing for an internal client, verifying with the public key read from a
// TestPublicKeys file instead of DNS) and our postern-milter (sender ownership for an
// authenticated login given as the {auth_authen} macro at the mail stage). Runs the binary, so the
// command line, the output format and the exit codes are tested too.
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
    "Subject: milter client test\n"
    "  folded subject line\n"
    "Date: Mon, 23 Nov 2026 07:00:00 +0000\n"
    "Message-ID: <mclient-1@example.org>\n"
    "\n"
    "Hello Bob,\n"
    "\n"
    "a body line.\n";

Strings lines(const std::string& text) {
  Strings out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Undoes the client's escaping of \n and \r in a printed value.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char n = s[++i];
      out.push_back(n == 'n' ? '\n' : n == 'r' ? '\r' : n);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The value of tag `tag` ("bh", "d", "s") in a DKIM-Signature line, or "".
std::string dkim_tag(const std::string& sig, const std::string& tag) {
  size_t at = sig.find(" " + tag + "=");
  if (at == std::string::npos) at = sig.find("\t" + tag + "=");
  if (at == std::string::npos) return "";
  size_t start = at + tag.size() + 2, end = sig.find(';', start);
  return sig.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

CommandResult client(const Strings& args) {
  Strings argv = {MILTER_CLIENT};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, "", std::chrono::seconds(30));
}

class OpenDkim : public ::testing::Test {
 protected:
  // A failed start is reported by every test (an exception here would only skip them).
  static void SetUpTestSuite() {
    if (find_program("opendkim").empty()) return;
    try {
      start();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void start() {
    dir_ = new TempDir("postern-mclient-dkim");
    std::string d = dir_->str();
    auto gen = run_command({"openssl", "genrsa", "-out", d + "/sel.private", "2048"});
    if (gen.exit_code != 0) throw std::runtime_error("openssl genrsa: " + gen.output);
    chmod((d + "/sel.private").c_str(), 0600);
    auto pub = run_command(
        {"sh", "-c",
         "openssl rsa -in '" + d + "/sel.private' -pubout -outform DER 2>/dev/null | base64 -w0"});
    if (pub.exit_code != 0 || pub.output.empty()) throw std::runtime_error("public key: " + pub.output);
    dir_->write("keys", "sel._domainkey.example.org v=DKIM1; k=rsa; p=" + pub.output + "\n");
    sock_ = d + "/dkim.sock";
    auto conf = dir_->write("opendkim.conf",
                            "Syslog no\n"
                            "Mode sv\n"
                            "Domain example.org\n"
                            "Selector sel\n"
                            "KeyFile " +
                                d +
                                "/sel.private\n"
                                "Socket local:" +
                                sock_ +
                                "\n"
                                "InternalHosts 127.0.0.1\n"
                                "RequireSafeKeys no\n"
                                "TestPublicKeys " +
                                d +
                                "/keys\n"
                                "AuthservID mx.test\n"
                                "PidFile " +
                                d + "/opendkim.pid\n");
    opendkim_ = new Process({find_program("opendkim"), "-f", "-x", conf.string()}, d + "/opendkim");
    if (!wait_for_unix(sock_)) throw std::runtime_error("opendkim did not start: " + opendkim_->output());
    dir_->write("message.eml", kMessage);
  }
  static void TearDownTestSuite() {
    // libmilter notices SIGTERM only between its listener's 5-second polls; nothing here needs a
    // clean stop, so do not wait for it.
    if (opendkim_) opendkim_->stop(std::chrono::milliseconds(300));
    delete opendkim_;
    delete dir_;
    opendkim_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << setup_error_;
    if (!dir_) GTEST_SKIP() << "opendkim is not installed";
  }

  // Signs kMessage (or `text`) as an internal client; returns the printed lines.
  static Strings sign(const std::string& file = "message.eml") {
    auto r = client({"--milter", "unix:" + sock_, "--client-ip", "127.0.0.1", "--from", "alice@example.org",
                     "--rcpt", "bob@example.org", (dir_->path() / file).string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return lines(r.output);
  }

  static TempDir* dir_;
  static Process* opendkim_;
  static std::string sock_;
  static std::string setup_error_;
};

std::string OpenDkim::setup_error_;

TempDir* OpenDkim::dir_ = nullptr;
Process* OpenDkim::opendkim_ = nullptr;
std::string OpenDkim::sock_;

TEST_F(OpenDkim, SignsMailOfAnInternalClient) {
  Strings out = sign();
  ASSERT_EQ(out.size(), 2u) << opendkim_->output();
  EXPECT_EQ(out[0], "accept");
  // opendkim inserts its signature on top (insert-header 0) rather than appending it.
  EXPECT_EQ(out[1].rfind("insert-header 0 DKIM-Signature: v=1; a=rsa-sha256;", 0), 0u) << out[1];
  EXPECT_EQ(dkim_tag(out[1], "d"), "example.org") << out[1];
  EXPECT_EQ(dkim_tag(out[1], "s"), "sel") << out[1];
  std::string flat;
  for (char c : unescape(out[1])) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') flat += c;
  }
  EXPECT_NE(flat.find(";h=From:To:Subject:Date;"), std::string::npos) << out[1];
}

TEST_F(OpenDkim, CrlfAndLfFilesGiveTheSameBodyHash) {
  std::string crlf;
  for (char c : std::string(kMessage)) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  dir_->write("crlf.eml", crlf);
  Strings a = sign(), b = sign("crlf.eml");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_FALSE(dkim_tag(a[1], "bh").empty());
  EXPECT_EQ(dkim_tag(a[1], "bh"), dkim_tag(b[1], "bh"));
}

TEST_F(OpenDkim, VerifiesWhatItSignedAndFailsATamperedBody) {
  Strings out = sign();
  ASSERT_EQ(out.size(), 2u);
  std::string prefix = "insert-header 0 ";
  std::string field = unescape(out[1].substr(prefix.size()));
  dir_->write("signed.eml", field + "\n" + kMessage);
  std::string tampered = field + "\n" + kMessage;
  tampered.replace(tampered.find("a body line"), 11, "a body lime");
  dir_->write("tampered.eml", tampered);
  auto verify = [&](const std::string& file) {
    auto r =
        client({"--milter", "unix:" + sock_, "--client-ip", "192.0.2.1", "--client-name", "mail.other.test",
                "--helo", "mail.other.test", "--from", "alice@example.org", (dir_->path() / file).string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return lines(r.output);
  };
  Strings good = verify("signed.eml");
  ASSERT_EQ(good.size(), 2u) << opendkim_->output();
  EXPECT_EQ(good[0], "accept");
  EXPECT_EQ(good[1].rfind("insert-header 0 Authentication-Results: mx.test;", 0), 0u) << good[1];
  EXPECT_NE(good[1].find("dkim=pass"), std::string::npos) << good[1];
  EXPECT_NE(good[1].find("header.d=example.org"), std::string::npos) << good[1];
  EXPECT_NE(good[1].find("header.s=sel"), std::string::npos) << good[1];
  Strings bad = verify("tampered.eml");
  ASSERT_EQ(bad.size(), 2u);
  EXPECT_NE(bad[1].find("dkim=fail"), std::string::npos) << bad[1];
}

// An independent verifier (Debian's python3-dkim) accepts opendkim's signature of the file as
// written with CRLF line ends: the header fields reached the milter byte for byte as an MTA would
// pass them (folded Subject included; the signature uses simple header canonicalization).
TEST_F(OpenDkim, SignatureVerifiesWithAnIndependentVerifier) {
  const std::string python = "/usr/bin/python3";
  if (run_command({python, "-c", "import dkim"}).exit_code != 0)
    GTEST_SKIP() << "python3-dkim is not installed";
  Strings out = sign();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(dkim_tag(out[1], "c"), "simple/simple") << out[1];
  std::string field = unescape(out[1].substr(std::string("insert-header 0 ").size()));
  std::string lf = field + "\n" + kMessage, crlf;
  for (char c : lf) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  auto signed_file = dir_->write("signed-crlf.eml", crlf);
  const char* script =
      "import sys, dkim\n"
      "msg = open(sys.argv[1], 'rb').read()\n"
      "txt = open(sys.argv[2], 'rb').read().split(b' ', 1)[1].strip()\n"
      "ok = dkim.verify(msg, dnsfunc=lambda name, timeout=5: txt)\n"
      "print('verified' if ok else 'failed')\n";
  auto r = run_command({python, "-c", script, signed_file.string(), (dir_->path() / "keys").string()});
  EXPECT_EQ(r.output, "verified\n") << r.output << "\n" << crlf;
  // And the check can fail: one changed byte in the folded Subject.
  std::string bad = crlf;
  bad.replace(bad.find("folded subject"), 6, "Folded");
  auto bad_file = dir_->write("bad-crlf.eml", bad);
  r = run_command({python, "-c", script, bad_file.string(), (dir_->path() / "keys").string()});
  EXPECT_EQ(r.output, "failed\n") << r.output;
}

TEST_F(OpenDkim, PrintsNegotiation) {
  auto r =
      client({"--milter", "local:" + sock_, "--print-negotiation", (dir_->path() / "message.eml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Strings out = lines(r.output);
  ASSERT_GE(out.size(), 4u);
  EXPECT_EQ(out[0], "negotiated version 6");
  EXPECT_EQ(out[1].rfind("negotiated actions 0x", 0), 0u);
  EXPECT_NE(out[1].find("add-headers"), std::string::npos) << out[1];
  EXPECT_EQ(out[2].rfind("negotiated protocol 0x", 0), 0u);
}

TEST_F(OpenDkim, BenchmarkOverConcurrentConnections) {
  auto r = client({"--milter", "unix:" + sock_, "--connections", "3", "--count", "30", "--client-ip",
                   "127.0.0.1", "--from", "alice@example.org", (dir_->path() / "message.eml").string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Strings out = lines(r.output);
  EXPECT_EQ(out[0], "messages 30");
  EXPECT_EQ(out[1], "connections 3");
  EXPECT_EQ(out[2].rfind("seconds ", 0), 0u);
  EXPECT_EQ(out[3].rfind("messages/s ", 0), 0u);
  EXPECT_EQ(out[4].rfind("latency-p50-ms ", 0), 0u);
  EXPECT_EQ(out[5].rfind("latency-p99-ms ", 0), 0u);
  EXPECT_EQ(out.back(), "accept 30");
}

// The same over TCP, in both spellings of an inet socket.
TEST(OpenDkimInet, SignsOverTcp) {
  if (find_program("opendkim").empty()) GTEST_SKIP() << "opendkim is not installed";
  TempDir dir("postern-mclient-inet");
  std::string d = dir.str();
  auto gen = run_command({"openssl", "genrsa", "-out", d + "/k.private", "2048"});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  chmod((d + "/k.private").c_str(), 0600);
  int port = free_tcp_port();
  auto conf = dir.write("opendkim.conf",
                        "Syslog no\nMode s\nDomain example.net\nSelector tcp\n"
                        "KeyFile " +
                            d +
                            "/k.private\n"
                            "Socket inet:" +
                            std::to_string(port) +
                            "@127.0.0.1\n"
                            "InternalHosts 127.0.0.1\nRequireSafeKeys no\n"
                            "PidFile " +
                            d + "/opendkim.pid\n");
  Process opendkim({find_program("opendkim"), "-f", "-x", conf.string()}, d + "/opendkim");
  ASSERT_TRUE(wait_for_tcp(port)) << opendkim.output();
  std::string text = kMessage;
  text.replace(text.find("alice@example.org"), 17, "carol@example.net");
  auto msg = dir.write("m.eml", text).string();
  for (const std::string& spec :
       {"inet:" + std::to_string(port) + "@127.0.0.1", "inet:127.0.0.1:" + std::to_string(port)}) {
    auto r = client({"--milter", spec, "--timeout", "5", msg});
    ASSERT_EQ(r.exit_code, 0) << spec << ": " << r.output;
    Strings out = lines(r.output);
    ASSERT_EQ(out.size(), 2u) << r.output;
    EXPECT_EQ(dkim_tag(out[1], "d"), "example.net") << out[1];
    EXPECT_EQ(dkim_tag(out[1], "s"), "tcp") << out[1];
  }
  opendkim.stop(std::chrono::milliseconds(300));
}

class PosternMilter : public ::testing::Test {
 protected:
  // A failed start is reported by every test (an exception here would only skip them).
  static void SetUpTestSuite() {
    try {
      start();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void start() {
    dir_ = new TempDir("postern-mclient-sender");
    chmod(dir_->path().c_str(), 0755);
    dns_ = new TestDnsServer();  // the milter's DMARC/DKIM lookups stay on loopback (all NXDOMAIN)
    auto map = dir_->write("senders", "sales@example.org  alice@example.org\n");
    sock_ = (dir_->path() / "milter.sock").string();
    auto conf = dir_->write("postern.conf",
                            "[log]\ndestination = \"stderr\"\n"
                            "[dns]\nservers = [\"" +
                                dns_->address() +
                                "\"]\n"
                                "[milter]\nsocket = \"unix:" +
                                sock_ +
                                "\"\n"
                                "user = \"nobody\"\ngroup = \"postfix\"\n"
                                "[sender]\nmode = \"enforce\"\nlogin_maps = [\"" +
                                map.string() + "\"]\n");
    milter_ = new Process({POSTERN_MILTER, "-f", "-c", conf.string()}, (dir_->path() / "milter").string());
    if (!wait_for_unix(sock_)) throw std::runtime_error("postern-milter did not start: " + milter_->output());
  }
  static void TearDownTestSuite() {
    if (milter_) milter_->stop(std::chrono::milliseconds(300));  // as for opendkim above
    delete milter_;
    delete dns_;
    delete dir_;
    milter_ = nullptr;
    dns_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << setup_error_;
  }

  static CommandResult send(const std::string& login, const std::string& from, const std::string& headers) {
    auto file = dir_->write("m.eml", headers + "To: bob@example.org\nSubject: ownership\n\nbody\n");
    Strings args = {"--milter", "unix:" + sock_, "--from", from, "--rcpt", "bob@example.org"};
    if (!login.empty()) {
      args.insert(args.end(),
                  {"--macro", "mail:{auth_type}=PLAIN", "--macro", "mail:{auth_authen}=" + login});
    }
    args.push_back(file.string());
    return client(args);
  }

  static TempDir* dir_;
  static TestDnsServer* dns_;
  static Process* milter_;
  static std::string sock_;
  static std::string setup_error_;
};

std::string PosternMilter::setup_error_;

TempDir* PosternMilter::dir_ = nullptr;
TestDnsServer* PosternMilter::dns_ = nullptr;
Process* PosternMilter::milter_ = nullptr;
std::string PosternMilter::sock_;

TEST_F(PosternMilter, OwnedSenderIsAccepted) {
  // Only the verdict is checked: other checks of the milter may add headers (DKIM, A-R).
  auto r = send("alice@example.org", "alice@example.org", "From: Alice <alice@example.org>\n");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(lines(r.output).at(0), "accept") << r.output << milter_->output();
  r = send("alice@example.org", "sales@example.org", "From: sales@example.org\nSender: alice@example.org\n");
  EXPECT_EQ(lines(r.output).at(0), "accept") << r.output;
}

TEST_F(PosternMilter, ForeignEnvelopeSenderIsRejectedWith553) {
  auto r = send("alice@example.org", "ceo@example.org", "From: ceo@example.org\n");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  Strings out = lines(r.output);
  ASSERT_EQ(out.size(), 1u) << r.output;  // refused at MAIL FROM: nothing else happened
  EXPECT_EQ(out[0].rfind("reject 553 5.7.1 ", 0), 0u) << out[0];
  EXPECT_NE(out[0].find("ceo@example.org"), std::string::npos) << out[0];
}

TEST_F(PosternMilter, ForgedFromHeaderIsRejectedWith550) {
  auto r = send("alice@example.org", "alice@example.org", "From: ceo@example.org\n");
  Strings out = lines(r.output);
  ASSERT_FALSE(out.empty()) << r.output;
  EXPECT_EQ(out[0].rfind("reject 550 5.7.1 ", 0), 0u) << out[0];
  EXPECT_NE(out[0].find("ceo@example.org"), std::string::npos) << out[0];
}

TEST_F(PosternMilter, UnauthenticatedMailIsNotJudged) {
  auto r = send("", "ceo@example.org", "From: ceo@example.org\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(lines(r.output).at(0), "accept") << r.output;
}

TEST_F(PosternMilter, ConnectionReuseAcrossVerdictsInABenchmark) {
  auto file = dir_->write("forged.eml", "From: alice@example.org\nTo: bob@example.org\n\nbody\n");
  auto r = client({"--milter", "unix:" + sock_, "--connections", "2", "--count", "20", "--from",
                   "ceo@example.org", "--macro", "mail:{auth_authen}=alice@example.org", file.string()});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  Strings out = lines(r.output);
  EXPECT_EQ(out[0], "messages 20");
  EXPECT_EQ(out.back(), "reject 20");
}

TEST(MilterClientCli, ExitCodes) {
  TempDir dir("postern-mclient-cli");
  auto msg = dir.write("m.eml", "Subject: x\n\nb\n").string();
  EXPECT_EQ(client({msg}).exit_code, 64);                                             // no --milter
  EXPECT_EQ(client({"--milter", "unix:" + dir.str() + "/none.sock"}).exit_code, 64);  // no file
  EXPECT_EQ(client({"--milter", "tcp:1", msg}).exit_code, 64);                        // bad spec
  EXPECT_EQ(client({"--milter", "inet:1@localhost", "--macro", "bogus:x=y", msg}).exit_code, 64);
  EXPECT_EQ(client({"--milter", "inet:1@localhost", "--chunk", "65536", msg}).exit_code, 64);
  EXPECT_EQ(client({"--milter", "inet:1@localhost", "--frobnicate", msg}).exit_code, 64);
  EXPECT_EQ(client({"--milter", "inet:1@localhost", dir.str() + "/missing.eml"}).exit_code, 64);
  auto bad = dir.write("bad.eml", " folded first\n\nb\n").string();
  EXPECT_EQ(client({"--milter", "inet:1@localhost", bad}).exit_code, 64);
  auto refused = client({"--milter", "unix:" + dir.str() + "/none.sock", msg});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("cannot connect"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace postern::test
