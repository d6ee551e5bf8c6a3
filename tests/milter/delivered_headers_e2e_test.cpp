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

#include <chrono>
#include <regex>

#include "common/greylist/greylist.h"
#include "common/store/lmdb_store.h"
#include "common/store/store_config.h"
#include "tests/harness/header_check.h"
#include "tests/harness/milter_stack.h"
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

class DeliveredHeaders : public MilterStackSuite<DeliveredHeaders> {
 public:
  static MilterStackOptions options() {
    MilterStackOptions o;
    o.milter = MILTER;
    o.dir_prefix = "postern-delivered-headers";
    o.dkim_keys = {"example.org", "partner.test"};
    o.signing_domains = {"example.org"};
    o.files = {{"senders", "alice@example.org  alice@example.org\n"}};
    o.sections =
        "[spf]\nreceived_spf_header = true\n"
        "[dmarc]\nenforce = true\nquarantine_action = \"header\"\n"
        "[sender]\nmode = \"soft\"\noutside_action = \"header\"\nlogin_maps = [\"@DIR@/senders\"]\n"
        "[dkim]\ninternal_networks = []\n";
    o.users = {{"alice@example.org", "alice-pass"}};
    o.mailboxes = {"alice@example.org", "bob@example.org"};
    o.before_postfix = [](MilterStack& st, PostfixOptions& p) {
      // p=none: outside mail claiming our domain is delivered, so its warning field can be read.
      st.dns().add("_dmarc.example.org", "TXT", "\"v=DMARC1; p=none\"");
      st.dns().add("_dmarc.partner.test", "TXT", "\"v=DMARC1; p=reject\"");
      st.dns().add("partner.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
      st.dns().add("_dmarc.quarantine.test", "TXT", "\"v=DMARC1; p=quarantine\"");
      PolicydOptions po;
      po.greylist = "delay = 60\nauto_allow_after = 0\n";
      po.dnsbl = "ip_lists = []\n";
      seed_greylist(st.dir());
      policyd_ = new Policyd(st.dir(), "policyd", st.dns().address(), lmdb_store_conf(st.dir()), po);
      p.mx_options["smtpd_recipient_restrictions"] =
          "reject_unauth_destination,check_policy_service,inet:127.0.0.1:" + std::to_string(policyd_->port);
    };
    return o;
  }
  static void TearDownTestSuite() {
    MilterStackSuite::TearDownTestSuite();
    delete policyd_;
    policyd_ = nullptr;
  }

 protected:
  // The first attempt of every inbound triplet the tests send, two minutes ago.
  static void seed_greylist(TempDir& dir) {
    StoreConfig sc;
    sc.lmdb_path = (dir.path() / "state").string();
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
  static SmtpReply inbound(const std::string& client, const std::string& from, const std::string& message) {
    return stack().inbound(from, message, client);
  }

  // The newest message in bob's mailbox after it grew by one; every header line checked.
  static std::string next_delivered() {
    std::string msg = stack().delivered("bob@example.org", ++delivered_);
    EXPECT_EQ(joined(header_defects(msg)), "") << msg;
    return msg;
  }

  static std::string signed_by_partner(const std::string& message) {
    return stack().signed_by(POSTERNCTL, "partner.test", message);
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
  static inline Policyd* policyd_ = nullptr;
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
  ASSERT_EQ(r.code, 250) << r.text << stack().milter().output();
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
  ASSERT_EQ(q.code, 250) << q.text << stack().milter().output();
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
  ASSERT_EQ(claim.code, 250) << claim.text << stack().milter().output();
  got = next_delivered();
  EXPECT_EQ(
      joined(raw_fields(got, "X-Postern-Local-Domain-Warning")),
      "X-Postern-Local-Domain-Warning: From: claims our domain example.org without its DKIM signature\n\n")
      << got;
  expect_greylist_header(got, sent);
}

TEST_F(DeliveredHeaders, OutboundMailCarriesAWellFormedSignatureAndTheSoftModeWarning) {
  auto submit = [](const std::string& message) {
    return stack().submit("alice@example.org", "alice-pass", "alice@example.org", message);
  };
  ASSERT_EQ(
      submit("From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: signed\n\nhello Bob\n").code,
      250)
      << stack().milter().output();
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
  ASSERT_EQ(submit("From: ceo@example.org\nTo: bob@example.org\nSubject: soft\n\nbody\n").code, 250)
      << stack().milter().output();
  got = next_delivered();
  EXPECT_EQ(
      joined(raw_fields(got, "X-Postern-Sender-Warning")),
      "X-Postern-Sender-Warning: From address <ceo@example.org> is not owned by user alice@example.org\n\n")
      << got;
  EXPECT_TRUE(raw_fields(got, "DKIM-Signature").empty()) << got;
}

}  // namespace
}  // namespace postern::test
