// postern-milter's side of the milter protocol, driven by the milter client library: it asks not
// to be waited for on CONNECT, HELO, headers and body chunks (SMFIP_NR_*) and skips RCPT, DATA and
// unknown commands; a refusal found while headers stream in (too many From: fields from an
// authenticated user) is still given, at end of headers, and the connection then carries the next
// message normally. An MTA that cannot skip those replies (an older one) gets them from libmilter,
// which answers "continue" for us, and the same refusal at end of headers. Header fields over
// libmilter's default 64 KB packet limit are taken, up to the raised limit.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "tests/harness/net.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"
#include "tools/milterclient/session.h"

namespace postern::test {
namespace {

class MilterProtocol : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir("postern-milter-protocol");
    chmod(dir_->path().c_str(), 0755);
    socket_ = (dir_->path() / "milter.sock").string();
    auto conf =
        dir_->write("postern.conf", "[log]\ndestination = \"stderr\"\n[milter]\nsocket = \"unix:" + socket_ +
                                        "\"\nuser = \"nobody\"\ngroup = \"nogroup\"\n[sender]\nmode = "
                                        "\"enforce\"\n[dkim]\nenabled = false\n[spf]\nenabled = false\n"
                                        "[dmarc]\nenabled = false\n");
    milter_ = new Process({MILTER, "-f", "-c", conf.string()}, (dir_->path() / "milter").string());
    started_ = wait_for_unix(socket_);
  }
  static void TearDownTestSuite() {
    delete milter_;
    delete dir_;
  }
  void SetUp() override { ASSERT_TRUE(started_) << milter_->output(); }

  static std::unique_ptr<mta::Connection> open(uint32_t protocol = mta::proto::offered) {
    mta::ClientOptions o;
    o.milter = *parse_socket_spec("unix:" + socket_);
    o.protocol = protocol;
    auto c = mta::Connection::open(o);
    EXPECT_TRUE(c) << c.error().message << milter_->output();
    return c ? std::move(*c) : nullptr;
  }

  static mta::Verdict send(mta::Connection& c, const std::string& headers) {
    mta::Envelope e;
    e.from = "alice@example.org";
    e.rcpts = {"bob@example.net"};
    e.macros[mta::cmd::mail] = {{"{auth_authen}", "alice@example.org"}};
    auto m = mta::parse_message(headers + "Subject: t\r\n\r\nbody\r\n");
    EXPECT_TRUE(m);
    auto v = c.run(e, *m);
    EXPECT_TRUE(v) << (v ? "" : v.error().message);
    return v ? *v : mta::Verdict{};
  }

  static std::string many_froms() {
    std::string h;
    for (int i = 0; i < 10; ++i) h += "From: alice@example.org\r\n";
    return h;
  }

  static TempDir* dir_;
  static Process* milter_;
  static std::string socket_;
  static bool started_;
};

TempDir* MilterProtocol::dir_ = nullptr;
Process* MilterProtocol::milter_ = nullptr;
std::string MilterProtocol::socket_;
bool MilterProtocol::started_ = false;

TEST_F(MilterProtocol, TheDaemonRoutesLibopendkimKeyDecodingThroughItsCache) {
  // The d2i_PUBKEY_bio() interposer is in the binary and found libopendkim's code
  // (tests/dkim/public_key_cache_test.cpp tests the cache itself).
  // The start line is written once privileges are dropped, just after the socket appears.
  ASSERT_TRUE(wait_until([] { return milter_->output().find(" started ") != std::string::npos; },
                         std::chrono::seconds(10)))
      << milter_->output();
  EXPECT_NE(milter_->output().find("dkim_key_cache=yes"), std::string::npos) << milter_->output();
}

TEST_F(MilterProtocol, AsksNotToBeWaitedForWhereItNeverRefuses) {
  auto c = open();
  ASSERT_TRUE(c);
  uint32_t p = c->negotiated().protocol;
  for (uint32_t step :
       {mta::proto::nr_connect, mta::proto::nr_helo, mta::proto::nr_rcpt, mta::proto::nr_header,
        mta::proto::nr_body, mta::proto::no_data, mta::proto::no_unknown})
    EXPECT_NE(p & step, 0u) << std::hex << step;
  EXPECT_EQ(p & mta::proto::no_rcpt, 0u) << "RCPT is read for the DMARC report's envelope_to";
  for (uint32_t step : {mta::proto::nr_mail, mta::proto::nr_eoh})
    EXPECT_EQ(p & step, 0u) << std::hex << step << ": these stages can refuse";
}

TEST_F(MilterProtocol, HeaderRefusalIsGivenAtEndOfHeadersThenTheConnectionGoesOn) {
  auto c = open();
  ASSERT_TRUE(c);
  auto refused = send(*c, many_froms());
  EXPECT_EQ(refused.action, mta::Action::reject);
  EXPECT_EQ(refused.stage, "eoh");
  EXPECT_EQ(refused.reply.rfind("550 5.7.1", 0), 0u) << refused.reply;
  auto next = send(*c, "From: alice@example.org\r\n");
  EXPECT_EQ(next.action, mta::Action::accept) << next.reply << milter_->output();
}

TEST_F(MilterProtocol, AnMtaWithoutNoReplyStepsGetsTheSameRefusal) {
  auto c = open(mta::proto::offered & ~(mta::proto::nr_header | mta::proto::nr_body | mta::proto::nr_connect |
                                        mta::proto::nr_helo));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->negotiated().protocol & mta::proto::nr_header, 0u);
  auto refused = send(*c, many_froms());
  EXPECT_EQ(refused.action, mta::Action::reject);
  EXPECT_EQ(refused.stage, "eoh") << refused.reply << milter_->output();
  EXPECT_EQ(refused.reply.rfind("550 5.7.1", 0), 0u) << refused.reply;
  EXPECT_EQ(send(*c, "From: alice@example.org\r\n").action, mta::Action::accept);
}

// libmilter refuses a packet over 65,535 bytes by default and drops the connection without telling
// the milter why. Postfix never sends one (it cuts header fields at 60,000 bytes when milters are
// on: tests/milter/big_header_test.cpp), but an MTA that does must not lose the session:
// postern-milter raises the limit to kMilterMaxPacket (1 MiB - 1), so a 70 KB field is taken like
// any other. Beyond that, libmilter still drops the connection, and the daemon goes on serving.
TEST_F(MilterProtocol, HeaderFieldsOver64KilobytesAreTakenUpToTheRaisedLimit) {
  auto message = [](size_t bytes) {
    mta::Message m;
    m.headers.push_back({"From", " alice@example.org"});
    std::string value;
    while (value.size() < bytes) value += (value.empty() ? " " : "\n ") + std::string(70, 'x');
    m.headers.push_back({"X-Big", value});
    m.headers.push_back({"Subject", " t"});
    m.body = "body\r\n";
    return m;
  };
  mta::Envelope e;
  e.from = "alice@example.org";
  e.rcpts = {"bob@example.net"};
  e.macros[mta::cmd::mail] = {{"{auth_authen}", "alice@example.org"}};
  auto c = open();
  ASSERT_TRUE(c);
  auto big = c->run(e, message(70 * 1024));
  ASSERT_TRUE(big) << big.error().message << milter_->output();
  EXPECT_EQ(big->action, mta::Action::accept) << big->reply;
  auto next = send(*c, "From: alice@example.org\r\n");
  EXPECT_EQ(next.action, mta::Action::accept) << "the connection carries the next message";

  auto c2 = open();
  ASSERT_TRUE(c2);
  EXPECT_FALSE(c2->run(e, message(1024 * 1024))) << "over libmilter's raised limit the session is dropped";
  auto c3 = open();
  ASSERT_TRUE(c3);
  EXPECT_EQ(send(*c3, "From: alice@example.org\r\n").action, mta::Action::accept) << milter_->output();
}

// [sender].local_domains may be written as U-labels: they compare with From: domains as A-labels.
TEST(MilterLocalDomains, ULabelInTheConfigMatchesBothForms) {
  TempDir dir("postern-milter-idn");
  chmod(dir.path().c_str(), 0755);
  std::string sock = (dir.path() / "milter.sock").string();
  auto conf =
      dir.write("postern.conf", "[log]\ndestination = \"stderr\"\n[milter]\nsocket = \"unix:" + sock +
                                    "\"\nuser = \"nobody\"\ngroup = \"nogroup\"\n[sender]\nlocal_domains = "
                                    "[\"B\xc3\xbc"
                                    "cher.example\"]\n[dkim]\nenabled = false\n[spf]\nenabled = "
                                    "false\n[dmarc]\nenabled = false\n");
  Process milter({MILTER, "-f", "-c", conf.string()}, (dir.path() / "milter").string());
  ASSERT_TRUE(wait_for_unix(sock)) << milter.output();
  mta::ClientOptions o;
  o.milter = *parse_socket_spec("unix:" + sock);
  auto inbound = [&](const std::string& from) {
    auto c = mta::Connection::open(o);
    EXPECT_TRUE(c);
    mta::Envelope e;
    e.client_ip = "192.0.2.10";
    e.from = "x@sender.test";
    e.rcpts = {"bob@example.net"};
    auto m = mta::parse_message("From: " + from + "\r\nSubject: t\r\n\r\nbody\r\n");
    auto v = c ? (*c)->run(e, *m) : Result<mta::Verdict>(Error::perm("no connection"));
    EXPECT_TRUE(v);
    return v ? v->action : mta::Action::tempfail;
  };
  EXPECT_EQ(inbound("x@b\xc3\xbc"
                    "cher.example"),
            mta::Action::reject)
      << milter.output();
  EXPECT_EQ(inbound("x@xn--bcher-kva.example"), mta::Action::reject) << milter.output();
  EXPECT_EQ(inbound("x@bucher.example"), mta::Action::accept) << milter.output();
}

}  // namespace
}  // namespace postern::test
