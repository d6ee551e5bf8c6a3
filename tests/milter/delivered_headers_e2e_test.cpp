// The exact bytes of every header field Postern adds or changes, as a real Postfix delivered them
// to a mailbox: Authentication-Results, Received-SPF and X-Postern-* (postern-milter on inbound
// mail), DKIM-Signature and X-Postern-Sender-Warning (outbound), X-Greylist (postern-policyd's
// PREPEND), and what is left after forged Authentication-Results headers are removed. Every
// delivered header section is checked line by line (no CR at all, since a maildir holds LF line
// ends and a bare CR becomes CR CR LF once Postfix relays the message over SMTP or LMTP; every
// line well formed) and the fields Postern writes are compared whole with the bytes expected,
// never by substring. Greylisting: the test records each triplet's first attempt two minutes in
// the past through the core Greylister with a fake clock, so a real Postfix's first delivery
// attempt passes with an X-Greylist header and nothing waits.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <regex>

#include "common/config/store_config.h"
#include "common/dkim/private_key.h"
#include "common/greylist/greylist.h"
#include "common/store/lmdb_store.h"
#include "tests/harness/dns_server.h"
#include "tests/harness/dovecot_instance.h"
#include "tests/harness/header_check.h"
#include "tests/harness/net.h"
#include "tests/harness/postfix_instance.h"
#include "tests/harness/process.h"
#include "tests/harness/smtp_client.h"
#include "tests/harness/temp_dir.h"
#include "tests/policyd/policyd_daemon.h"

namespace postern::test {
namespace {

constexpr int64_t kGreylistedAgo = 120;  // seconds between the recorded first attempt and the test

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + "\n";
  return out;
}

// The value of tag t in a DKIM-Signature field's raw bytes (folding white space removed).
std::string dkim_tag(const std::string& raw, const std::string& tag) {
  std::string flat;
  for (char c : raw.substr(raw.find(':') + 1))
    if (c != ' ' && c != '\t' && c != '\n') flat.push_back(c);
  std::smatch m;
  if (!std::regex_search(flat, m, std::regex("(^|;)" + tag + "=([^;]*)"))) return "";
  return m[2];
}

class DeliveredHeaders : public ::testing::Test {
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
    dir_ = new TempDir("postern-delivered-headers");
    chmod(dir_->path().c_str(), 0755);
    dns_ = new TestDnsServer();
    for (const auto& [domain, file] :
         {std::pair{"example.org", "ours.key"}, std::pair{"partner.test", "partner.key"}}) {
      auto pem = generate_dkim_private_key_pem(DkimKeyType::rsa, 2048);
      if (!pem) throw std::runtime_error("keygen: " + pem.error().message);
      auto path = dir_->write(file, *pem);
      chmod(path.c_str(), 0644);
      auto key = parse_dkim_private_key(*pem);
      if (!key || !dns_->add_txt(std::string("s1._domainkey.") + domain, key->dns_record()))
        throw std::runtime_error("cannot publish the DKIM key of " + std::string(domain));
    }
    // p=none: outside mail claiming our domain is delivered, so its warning field can be read.
    dns_->add("_dmarc.example.org", "TXT", "\"v=DMARC1; p=none\"");
    dns_->add("_dmarc.partner.test", "TXT", "\"v=DMARC1; p=reject\"");
    dns_->add("partner.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
    dns_->add("_dmarc.quarantine.test", "TXT", "\"v=DMARC1; p=quarantine\"");
    std::string sock = (dir_->path() / "milter.sock").string();
    auto map = dir_->write("senders", "alice@example.org  alice@example.org\n");
    auto conf = dir_->write(
        "milter.conf", "[log]\ndestination = \"stderr\"\n[dns]\nservers = [\"" + dns_->address() +
                           "\"]\n[milter]\nsocket = \"unix:" + sock +
                           "\"\nuser = \"nobody\"\ngroup = \"postfix\"\nauthserv_id = \"mx.example.org\"\n"
                           "[spf]\nreceived_spf_header = true\n"
                           "[dmarc]\nenforce = true\nquarantine_action = \"header\"\n"
                           "[sender]\nmode = \"soft\"\noutside_action = \"header\"\nlogin_maps = [\"" +
                           map.string() +
                           "\"]\n[dkim]\ninternal_networks = []\n"
                           "[[dkim.key]]\ndomain = \"example.org\"\nselector = \"s1\"\nkey_file = \"" +
                           (dir_->path() / "ours.key").string() + "\"\n");
    milter_ = new Process({MILTER, "-f", "-c", conf.string()}, (dir_->path() / "milter").string());
    if (!wait_for_unix(sock)) throw std::runtime_error("milter did not start: " + milter_->output());

    PolicydOptions po;
    po.greylist = "delay = 60\nauto_allow_after = 0\n";
    po.dnsbl = "ip_lists = []\n";
    seed_greylist();
    policyd_ = new Policyd(*dir_, "policyd", dns_->address(), lmdb_store_conf(*dir_), po);

    DovecotOptions d;
    d.users = {{"alice@example.org", "alice-pass"}};
    dovecot_ = new DovecotInstance(d);
    PostfixOptions p;
    p.submission = true;
    p.dovecot_auth_port = dovecot_->auth_port();
    p.mailboxes = {"alice@example.org", "bob@example.org"};
    p.main_cf["smtpd_milters"] = "unix:" + sock;
    p.main_cf["local_header_rewrite_clients"] = "";
    p.mx_options["smtpd_recipient_restrictions"] =
        "reject_unauth_destination,check_policy_service,inet:127.0.0.1:" + std::to_string(policyd_->port);
    postfix_ = new PostfixInstance(p);
  }
  // The first attempt of every inbound triplet the tests send, two minutes ago.
  static void seed_greylist() {
    StoreConfig sc;
    sc.lmdb_path = (dir_->path() / "state").string();
    first_attempt_ = SystemClock().unix_seconds() - kGreylistedAgo;
    FakeClock past(first_attempt_);
    auto store = LmdbStore::open(sc, past, false);
    if (!store) throw std::runtime_error("store: " + store.error().message);
    GreylistConfig g;
    g.delay = Seconds(60);
    g.auto_allow_after = 0;
    Greylister greylister(g, Allowlist{}, **store, past);
    for (const auto& [client, sender] : kInbound) {
      GreylistInput in;
      in.client = *IpAddress::parse(client);
      in.sender = sender;
      in.recipient = "bob@example.org";
      if (greylister.check(in).kind != GreylistDecision::Kind::defer)
        throw std::runtime_error("seeding the greylist did not record a first attempt");
    }
  }
  static void TearDownTestSuite() {
    delete postfix_;
    delete dovecot_;
    delete policyd_;
    delete milter_;
    delete dns_;
    delete dir_;
  }

  static SmtpReply inbound(const std::string& client, const std::string& from, const std::string& message) {
    SmtpSend s;
    s.port = postfix_->smtp_port();
    s.xclient = "ADDR=" + client + " NAME=[UNAVAILABLE]";
    s.helo = "mail.sender.test";
    s.from = from;
    s.to = {"bob@example.org"};
    s.message = message;
    return smtp_send(s);
  }

  // The newest message in bob's mailbox after it grew by one; every header line checked.
  static std::string next_delivered() {
    ++delivered_;
    EXPECT_TRUE(postfix_->wait_for_messages("bob@example.org", delivered_))
        << postfix_->maillog() << milter_->output();
    auto all = postfix_->messages("bob@example.org");
    if (all.size() < delivered_) return "";
    std::string msg = all[delivered_ - 1];
    EXPECT_EQ(joined(header_defects(msg)), "") << msg;
    return msg;
  }

  static std::string signed_by_partner(const std::string& message) {
    auto file = dir_->write("to-sign.eml", message);
    auto r = run_command({POSTERNCTL, "dkim", "sign", "--domain", "partner.test", "--selector", "s1", "--key",
                          (dir_->path() / "partner.key").string(), file.string()});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.output;
  }

  // X-Greylist as postern-policyd prepends it: the delay is the time from the recorded first
  // attempt to the delivery attempt, which happened between sent_after and now.
  static void expect_greylist_header(const std::string& msg, int64_t sent_after) {
    auto got = raw_fields(msg, "X-Greylist");
    ASSERT_EQ(got.size(), 1u) << msg;
    bool exact = false;
    for (int64_t s = sent_after - first_attempt_; s <= SystemClock().unix_seconds() - first_attempt_; ++s)
      exact = exact || got[0] == "X-Greylist: delayed " + std::to_string(s) + " seconds by postern-policyd\n";
    EXPECT_TRUE(exact) << got[0];
  }
  static int64_t now() { return SystemClock().unix_seconds(); }

  static inline const std::vector<std::pair<std::string, std::string>> kInbound = {
      {"203.0.113.5", "news@partner.test"},
      {"198.51.100.7", "billing@quarantine.test"},
      {"198.51.100.8", "alice@example.org"},
  };
  static inline std::string setup_error_;
  static inline TempDir* dir_ = nullptr;
  static inline TestDnsServer* dns_ = nullptr;
  static inline Process* milter_ = nullptr;
  static inline Policyd* policyd_ = nullptr;
  static inline DovecotInstance* dovecot_ = nullptr;
  static inline PostfixInstance* postfix_ = nullptr;
  static inline size_t delivered_ = 0;
  static inline int64_t first_attempt_ = 0;
};

TEST_F(DeliveredHeaders, InboundSignedMailCarriesExactAuthenticationResultsReceivedSpfAndGreylistFields) {
  // Two forged claims of our authserv-id (one with a no-break space after it) are removed; another
  // host's header stays byte for byte.
  std::string msg = signed_by_partner(
      "From: news@partner.test\r\nTo: bob@example.org\r\nSubject: partner news\r\n"
      "Authentication-Results: mx.example.org; dkim=pass header.d=bank.test\r\n"
      "Authentication-Results: mx.example.org\xC2\xA0; dmarc=pass header.from=bank.test\r\n"
      "Authentication-Results: other.example; spf=pass smtp.mailfrom=partner.test\r\n"
      "\r\nThe news.\r\n");
  int64_t sent = now();
  auto r = inbound("203.0.113.5", "news@partner.test", msg);
  ASSERT_EQ(r.code, 250) << r.text << milter_->output();
  std::string got = next_delivered();
  auto sig = raw_fields(got, "DKIM-Signature");
  ASSERT_EQ(sig.size(), 1u) << got;
  // header.b: the first 16 characters of b=, a quoted-string when they hold a '/' (a tspecial).
  std::string b16 = dkim_tag(sig[0], "b").substr(0, 16);
  if (b16.find('/') != std::string::npos) b16 = "\"" + b16 + "\"";
  auto ar = raw_fields(got, "Authentication-Results");
  ASSERT_EQ(ar.size(), 2u) << got;
  EXPECT_EQ(ar[0],
            "Authentication-Results: mx.example.org;\n"
            "\tspf=pass reason=\"matched ip4:203.0.113.0/24 in the SPF record of partner.test\" "
            "smtp.mailfrom=news@partner.test;\n"
            "\tdkim=pass reason=\"signature verified\" header.d=partner.test header.s=s1 header.a=rsa-sha256 "
            "header.b=" +
                b16 +
                ";\n"
                "\tdmarc=pass reason=\"aligned dkim pass for partner.test (same domain), record at "
                "_dmarc.partner.test\" header.from=partner.test policy.dmarc=reject\n")
      << got;
  EXPECT_EQ(ar[1], "Authentication-Results: other.example; spf=pass smtp.mailfrom=partner.test\n");
  auto spf = raw_fields(got, "Received-SPF");
  ASSERT_EQ(spf.size(), 1u) << got;
  EXPECT_EQ(spf[0],
            "Received-SPF: pass (mx.example.org: matched ip4:203.0.113.0/24 in the SPF record of "
            "partner.test) client-ip=203.0.113.5; "
            "envelope-from=\"news@partner.test\"; helo=mail.sender.test; identity=mailfrom; "
            "receiver=mx.example.org;\n")
      << got;
  expect_greylist_header(got, sent);
  EXPECT_TRUE(raw_fields(got, "X-Postern-DMARC").empty()) << got;
}

TEST_F(DeliveredHeaders, QuarantinePolicyAndLocalDomainClaimAddExactXPosternFields) {
  int64_t sent = now();
  auto q = inbound("198.51.100.7", "billing@quarantine.test",
                   "From: billing@quarantine.test\nTo: bob@example.org\nSubject: invoice\n\npay\n");
  ASSERT_EQ(q.code, 250) << q.text << milter_->output();
  std::string got = next_delivered();
  EXPECT_EQ(joined(raw_fields(got, "X-Postern-DMARC")), "X-Postern-DMARC: quarantine\n\n") << got;
  auto ar = raw_fields(got, "Authentication-Results");
  ASSERT_EQ(ar.size(), 1u) << got;
  EXPECT_EQ(ar[0],
            "Authentication-Results: mx.example.org;\n"
            "\tspf=none reason=\"no SPF record for quarantine.test\" smtp.mailfrom=billing@quarantine.test;\n"
            "\tdkim=none;\n"
            "\tdmarc=fail reason=\"no aligned SPF or DKIM pass for quarantine.test, record at "
            "_dmarc.quarantine.test\" header.from=quarantine.test policy.dmarc=quarantine\n")
      << got;
  expect_greylist_header(got, sent);

  sent = now();
  auto claim = inbound("198.51.100.8", "alice@example.org",
                       "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: hi\n\nx\n");
  ASSERT_EQ(claim.code, 250) << claim.text << milter_->output();
  got = next_delivered();
  EXPECT_EQ(
      joined(raw_fields(got, "X-Postern-Local-Domain-Warning")),
      "X-Postern-Local-Domain-Warning: From: claims our domain example.org without its DKIM signature\n\n")
      << got;
  expect_greylist_header(got, sent);
}

TEST_F(DeliveredHeaders, OutboundMailCarriesAWellFormedSignatureAndTheSoftModeWarning) {
  SmtpSend s;
  s.port = postfix_->submission_port();
  s.user = "alice@example.org";
  s.password = "alice-pass";
  s.from = "alice@example.org";
  s.to = {"bob@example.org"};
  s.message = "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: signed\n\nhello Bob\n";
  ASSERT_EQ(smtp_send(s).code, 250) << milter_->output();
  std::string got = next_delivered();
  auto sig = raw_fields(got, "DKIM-Signature");
  ASSERT_EQ(sig.size(), 1u) << got;
  // Every byte but the time, the body hash and the signature itself is known; those three are
  // taken from the field and the whole field compared.
  std::string t = dkim_tag(sig[0], "t"), bh = dkim_tag(sig[0], "bh"), b = dkim_tag(sig[0], "b");
  ASSERT_FALSE(t.empty() || bh.empty() || b.empty()) << sig[0];
  std::string expected =
      "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s1;\n\tt=" + t + "; bh=" + bh +
      ";\n\th=From:To:Subject:From:Sender:Reply-To:Subject:Date:Message-ID:To:\n"
      "\tCc:In-Reply-To:References;\n\tb=";
  for (size_t i = 0; i < b.size(); i += 64) expected += (i ? "\n\t " : "") + b.substr(i, 64);
  EXPECT_EQ(sig[0], expected + "\n") << got;
  EXPECT_TRUE(raw_fields(got, "Authentication-Results").empty()) << got;

  // Soft mode: a forged From: is delivered, unsigned, with the warning field.
  s.message = "From: ceo@example.org\nTo: bob@example.org\nSubject: soft\n\nbody\n";
  ASSERT_EQ(smtp_send(s).code, 250) << milter_->output();
  got = next_delivered();
  EXPECT_EQ(
      joined(raw_fields(got, "X-Postern-Sender-Warning")),
      "X-Postern-Sender-Warning: From address <ceo@example.org> is not owned by user alice@example.org\n\n")
      << got;
  EXPECT_TRUE(raw_fields(got, "DKIM-Signature").empty()) << got;
}

}  // namespace
}  // namespace postern::test
