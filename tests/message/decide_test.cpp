// decide_message as a whole: the order of the edits, the exact log fields of the milter's
// "message" line, the claim rule stopping DMARC, soft mode's warning header, and DMARC switched off.
#include <gtest/gtest.h>

#include <chrono>

#include "common/message/message.h"
#include "tests/message/fake_resolver.h"

namespace postern {
namespace {

using namespace std::chrono_literals;

class Decide : public ::testing::Test {
 protected:
  void SetUp() override {
    policy.authserv_id = "mx.example.org";
    policy.local_domains = {"example.org"};
    facts.queue_id = "Q1";
    facts.client = "203.0.113.5";
    facts.client_ip = IpAddress::parse(facts.client).value();
    facts.helo = "mail.example.net";
    facts.envelope_from = "bob@example.net";
    facts.from = parse_from_header({"Bob <bob@example.net>"});
  }
  MessageDecision run(bool with_dmarc = true) {
    DmarcEvaluator e(dns, policy.dmarc);
    return decide_message(facts, policy, with_dmarc ? &e : nullptr, Deadline::after(10s));
  }
  void spf(SpfResult r) {
    SpfVerdict v;
    v.result = r;
    v.identity = SpfIdentity::mailfrom;
    v.domain = "example.net";
    v.sender = "bob@example.net";
    v.reason = "matched ip4";
    facts.spf = v;
  }
  void dkim(const std::string& d, DkimResult r) {
    if (!facts.dkim) facts.dkim = DkimVerification{};
    facts.dkim->overall = r;
    facts.dkim->signatures.push_back({r, "signature verified", d, "", "s1", "rsa-sha256", "AbCd", 2048});
  }
  static std::vector<std::string> names(const EomResult& r) {
    std::vector<std::string> out;
    for (const auto& e : r.edits) out.push_back(e.name);
    return out;
  }

  test::FakeResolver dns;
  MessagePolicy policy;
  MessageFacts facts;
};

TEST_F(Decide, InboundEditsAndLogInOrder) {
  dns.txt("_dmarc.example.net", "v=DMARC1; p=reject");
  policy.spf.received_spf_header = true;
  facts.forged_ar = {2, 5};
  spf(SpfResult::pass);
  dkim("example.net", DkimResult::pass);
  auto d = run();
  const auto& e = d.result.edits;
  ASSERT_EQ(names(d.result), (std::vector<std::string>{"Authentication-Results", "Authentication-Results",
                                                       "Received-SPF", "Authentication-Results"}));
  // Forged fields removed last to first.
  EXPECT_EQ(e[0].op, HeaderEdit::Op::remove);
  EXPECT_EQ(e[0].index, 5);
  EXPECT_EQ(e[1].op, HeaderEdit::Op::remove);
  EXPECT_EQ(e[1].index, 2);
  EXPECT_EQ(e[2].op, HeaderEdit::Op::insert);
  EXPECT_EQ(e[2].value,
            "pass (mx.example.org: matched ip4) client-ip=203.0.113.5; envelope-from=\"bob@example.net\"; "
            "helo=mail.example.net; identity=mailfrom; receiver=mx.example.org;");
  EXPECT_EQ(e[3].op, HeaderEdit::Op::insert);
  EXPECT_EQ(e[3].index, 0);
  EXPECT_EQ(
      e[3].value,
      "mx.example.org;\r\n\tspf=pass reason=\"matched ip4\" smtp.mailfrom=bob@example.net;\r\n"
      "\tdkim=pass reason=\"signature verified\" header.d=example.net header.s=s1 header.a=rsa-sha256 "
      "header.b=AbCd;\r\n\tdmarc=pass reason=\"aligned dkim pass for example.net (same domain), record at "
      "_dmarc.example.net\" header.from=example.net policy.dmarc=reject");
  EXPECT_EQ(d.result.verdict.kind, Verdict::Kind::cont);
  EXPECT_EQ(d.log,
            (LogFields{{"queue_id", "Q1"},
                       {"client", "203.0.113.5"},
                       {"direction", "inbound"},
                       {"forged_ar_removed", "2"},
                       {"spf", "pass"},
                       {"spf_domain", "example.net"},
                       {"dkim", "pass"},
                       {"dkim_signatures", "1"},
                       {"dmarc", "pass"},
                       {"dmarc_domain", "example.net"},
                       {"dmarc_action", "accept"},
                       {"dmarc_reason",
                        "aligned dkim pass for example.net (same domain), record at _dmarc.example.net"},
                       {"action", "accept"}}));
  ASSERT_TRUE(d.dmarc);
  EXPECT_EQ(d.dmarc->input.spf_result, AuthResult::pass);
  EXPECT_EQ(d.dmarc->decision.disposition, "none");
}

TEST_F(Decide, NoReceivedSpfUnlessConfiguredAndNoSpfEntryWithoutSpf) {
  auto d = run(false);
  EXPECT_EQ(names(d.result), std::vector<std::string>{"Authentication-Results"});
  EXPECT_EQ(d.result.edits[0].value, "mx.example.org; none");
  EXPECT_FALSE(d.dmarc);
  facts.dkim_note = "headers too large for DKIM";
  d = run(false);
  EXPECT_EQ(d.log, (LogFields{{"queue_id", "Q1"},
                              {"client", "203.0.113.5"},
                              {"direction", "inbound"},
                              {"dkim", "headers too large for DKIM"},
                              {"action", "accept"}}));
}

TEST_F(Decide, ClaimRejectStopsDmarc) {
  facts.from = parse_from_header({"ceo@example.org"});
  dkim("example.net", DkimResult::pass);
  auto d = run();
  EXPECT_EQ(d.result.verdict.kind, Verdict::Kind::reject);
  EXPECT_EQ(d.result.verdict.text,
            "Mail from example.org must come through its own mail servers or carry its DKIM signature");
  EXPECT_FALSE(d.dmarc);
  EXPECT_EQ(dns.queries(), 0);
  ASSERT_EQ(names(d.result), std::vector<std::string>{"Authentication-Results"});
  EXPECT_EQ(d.result.edits[0].value.find("dmarc="), std::string::npos);
  EXPECT_EQ(d.log[5], (std::pair<std::string, std::string>{"local_domain_claim", "example.org"}));
  EXPECT_EQ(d.log[6], (std::pair<std::string, std::string>{"local_domain_action", "reject"}));
  EXPECT_EQ(d.log.back(), (std::pair<std::string, std::string>{"action", "reject"}));
}

TEST_F(Decide, ClaimHeaderLetsDmarcDecide) {
  dns.txt("_dmarc.example.org", "v=DMARC1; p=quarantine");
  policy.sender.outside_action = OutsideAction::header;
  policy.dmarc.enforce = true;
  facts.from = parse_from_header({"ceo@example.org"});
  auto d = run();
  EXPECT_EQ(names(d.result),
            (std::vector<std::string>{"X-Postern-Local-Domain-Warning", "Authentication-Results"}));
  ASSERT_TRUE(d.dmarc);
  EXPECT_EQ(d.result.quarantine,
            "DMARC policy of example.org: no aligned SPF or DKIM pass for example.org, record at "
            "_dmarc.example.org");
  EXPECT_EQ(d.log.back(), (std::pair<std::string, std::string>{"action", "hold"}));
  policy.sender.outside_action = OutsideAction::accept;
  d = run();
  EXPECT_EQ(names(d.result), std::vector<std::string>{"Authentication-Results"});
  for (const auto& [k, v] : d.log) EXPECT_NE(k, "local_domain_claim");
}

TEST_F(Decide, OutboundSignedWithLoginPassing) {
  facts.outbound = true;
  facts.login = "alice@example.org";
  facts.plans = {{"example.org", "s1", nullptr, ""}};
  facts.signatures = Result<std::vector<std::string>>(std::vector<std::string>{"v=1; d=example.org"});
  auto d = run();
  EXPECT_EQ(names(d.result), std::vector<std::string>{"DKIM-Signature"});
  EXPECT_FALSE(d.dmarc);
  EXPECT_EQ(dns.queries(), 0);
  EXPECT_EQ(d.log, (LogFields{{"queue_id", "Q1"},
                              {"client", "203.0.113.5"},
                              {"direction", "outbound"},
                              {"login", "alice@example.org"},
                              {"dkim", "signed"},
                              {"dkim_keys", "example.org/s1"},
                              {"sender_check", "pass"},
                              {"action", "accept"}}));
}

// Soft mode: what ownership would have rejected is delivered with X-Postern-Sender-Warning (last),
// unsigned, and logged sender_check=warn.
TEST_F(Decide, SoftModeWarningHeader) {
  facts.outbound = true;
  facts.login = "alice@example.org";
  facts.sender_warning = "From address <ceo@example.org> is not owned by user alice@example.org";
  facts.dkim_note = "not signed: sender ownership warning";
  facts.forged_ar = {1};
  auto d = run();
  EXPECT_EQ(d.result.verdict.kind, Verdict::Kind::cont);
  ASSERT_EQ(names(d.result),
            (std::vector<std::string>{"Authentication-Results", "X-Postern-Sender-Warning"}));
  EXPECT_EQ(d.result.edits[1].op, HeaderEdit::Op::add);
  EXPECT_EQ(d.result.edits[1].value, facts.sender_warning);
  EXPECT_EQ(d.log, (LogFields{{"queue_id", "Q1"},
                              {"client", "203.0.113.5"},
                              {"direction", "outbound"},
                              {"login", "alice@example.org"},
                              {"forged_ar_removed", "1"},
                              {"dkim", "not signed: sender ownership warning"},
                              {"sender_check", "warn"},
                              {"action", "accept"}}));
}

TEST_F(Decide, SoftModeFromBothStagesKeepsTheFirstTextOnly) {
  SenderConfig soft;  // mode = SenderMode::soft, the default
  facts.outbound = true;
  facts.login = "alice@example.org";
  EXPECT_EQ(
      sender_refusal(Verdict::reject("553", "5.7.1", "envelope"), soft, facts.sender_warning).verdict.kind,
      Verdict::Kind::cont);
  EXPECT_EQ(
      sender_refusal(Verdict::reject("550", "5.7.1", "headers"), soft, facts.sender_warning).verdict.kind,
      Verdict::Kind::cont);
  auto d = run();
  ASSERT_EQ(d.result.edits.size(), 1u);
  EXPECT_EQ(d.result.edits[0].value, "envelope");
}

TEST_F(Decide, InboundLoginlessMessageHasNoSenderCheck) {
  auto d = run(false);
  for (const auto& [k, v] : d.log) EXPECT_NE(k, "sender_check");
}

TEST(ActionWord, EachKind) {
  EomResult r;
  EXPECT_STREQ(action_word(r), "accept");
  r.quarantine = "x";
  EXPECT_STREQ(action_word(r), "hold");
  r.verdict.kind = Verdict::Kind::tempfail;
  EXPECT_STREQ(action_word(r), "tempfail");
  r.verdict.kind = Verdict::Kind::reject;
  EXPECT_STREQ(action_word(r), "reject");
}

}  // namespace
}  // namespace postern
