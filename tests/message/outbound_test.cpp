// The outbound steps: direction, sender ownership under enforce and soft mode, the signing
// decision (each reason not to sign, and the plans), and the DKIM-Signature edits.
#include "common/message/outbound.h"

#include <gtest/gtest.h>

#include "common/dkim/private_key.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

TEST(Outbound, LoginOrInternalNetwork) {
  std::vector<IpNetwork> internal{IpNetwork::parse("192.0.2.0/24").value()};
  auto inside = IpAddress::parse("192.0.2.7").value();
  auto outside = IpAddress::parse("203.0.113.7").value();
  EXPECT_TRUE(is_outbound("alice@example.org", outside, internal));
  EXPECT_TRUE(is_outbound("alice@example.org", std::nullopt, internal));
  EXPECT_TRUE(is_outbound("", inside, internal));
  EXPECT_FALSE(is_outbound("", outside, internal));
  EXPECT_FALSE(is_outbound("", std::nullopt, internal));
  EXPECT_FALSE(is_outbound("", inside, {}));
}

TEST(SenderMode, EnforceGivesTheRefusal) {
  SenderConfig c;
  c.mode = SenderMode::enforce;
  std::string warning;
  auto refusal = Verdict::reject("553", "5.7.1", "Sender address <x@y> is not owned by user alice");
  auto o = sender_refusal(refusal, c, warning);
  EXPECT_FALSE(o.warn);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::reject);
  EXPECT_EQ(o.verdict.rcode, "553");
  EXPECT_EQ(o.verdict.xcode, "5.7.1");
  EXPECT_EQ(o.verdict.text, refusal.text);
  EXPECT_EQ(warning, "");
}

TEST(SenderMode, SoftContinuesAndKeepsTheFirstWarning) {
  SenderConfig c;
  ASSERT_EQ(c.mode, SenderMode::soft);  // the default
  std::string warning;
  auto o = sender_refusal(Verdict::reject("553", "5.7.1", "first"), c, warning);
  EXPECT_TRUE(o.warn);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::cont);
  EXPECT_EQ(warning, "first");
  o = sender_refusal(Verdict::reject("550", "5.7.1", "second"), c, warning);
  EXPECT_TRUE(o.warn);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::cont);
  EXPECT_EQ(warning, "first");
}

class Signing : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pem = generate_dkim_private_key_pem(DkimKeyType::ed25519, 0);
    ASSERT_TRUE(pem.ok()) << pem.error().message;
    DkimConfig c;
    c.keys = {{"example.org", "s1", dir.write("k.pem", *pem).string(), {}}};
    auto p = DkimSigningPolicy::load(c);
    ASSERT_TRUE(p.ok()) << p.error().message;
    signing = std::make_unique<DkimSigningPolicy>(std::move(*p));
    facts.login = "alice@example.org";
    facts.outbound = true;
    facts.from = parse_from_header({"Alice <alice@example.org>"});
  }
  SigningDecision plan(bool owners = true) { return plan_signing(facts, policy, signing.get(), owners); }

  test::TempDir dir{"msg-sign"};
  std::unique_ptr<DkimSigningPolicy> signing;
  MessagePolicy policy;
  MessageFacts facts;
};

TEST_F(Signing, OwnedFromWithAKeyIsSigned) {
  auto d = plan();
  ASSERT_EQ(d.plans.size(), 1u) << d.note;
  EXPECT_EQ(d.plans[0].domain, "example.org");
  EXPECT_EQ(d.plans[0].selector, "s1");
  EXPECT_EQ(d.note, "");
  facts.login.clear();  // an internal client without a login
  EXPECT_EQ(plan(false).plans.size(), 1u);
}

TEST_F(Signing, NotConfiguredSaysNothing) {
  auto d = plan_signing(facts, policy, nullptr, true);
  EXPECT_TRUE(d.plans.empty());
  EXPECT_EQ(d.note, "");
  policy.dkim_sign = false;
  d = plan();
  EXPECT_TRUE(d.plans.empty());
  EXPECT_EQ(d.note, "");
}

TEST_F(Signing, EachReasonNotToSign) {
  facts.sender_warning = "From address <ceo@example.org> is not owned by user alice@example.org";
  EXPECT_EQ(plan().note, "not signed: sender ownership warning");
  facts.sender_warning.clear();
  EXPECT_EQ(plan(false).note,
            "not signed: [sender] is disabled, so the login's right to the From: address is unknown");
  facts.from = parse_from_header({});
  EXPECT_EQ(plan().note, "not signed: not exactly one From: field");
  facts.from = parse_from_header({"alice@example.org", "alice@example.org"});
  EXPECT_EQ(plan().note, "not signed: not exactly one From: field");
  facts.from = parse_from_header({"alice@example.org, bob@example.org"});
  EXPECT_EQ(plan().note, "not signed: From: is not one address");
  facts.from = parse_from_header({"<alice@example.org>@evil.example"});
  EXPECT_EQ(plan().note, "not signed: From: is not one address");
  facts.from = parse_from_header({"alice@example.net"});
  auto d = plan();
  EXPECT_TRUE(d.plans.empty());
  EXPECT_EQ(d.note, "not signed: no key for the From: address");
}

TEST(OutboundEdits, SignaturesInsertedAtTheTopFirstPlanFirst) {
  MessageFacts f;
  f.outbound = true;
  f.plans = {{"example.org", "rsa1", nullptr, ""}, {"example.org", "ed1", nullptr, ""}};
  f.signatures = Result<std::vector<std::string>>(std::vector<std::string>{"v=1; s=rsa1", "v=1; s=ed1"});
  EomResult out;
  LogFields log;
  decide_outbound(f, out, log);
  ASSERT_EQ(out.edits.size(), 2u);
  // Each is inserted at index 0, so the last inserted ends up on top: rsa1.
  EXPECT_EQ(out.edits[0].op, HeaderEdit::Op::insert);
  EXPECT_EQ(out.edits[0].name, "DKIM-Signature");
  EXPECT_EQ(out.edits[0].value, "v=1; s=ed1");
  EXPECT_EQ(out.edits[1].value, "v=1; s=rsa1");
  EXPECT_EQ(out.edits[1].index, 0);
  EXPECT_EQ(log, (LogFields{{"dkim", "signed"}, {"dkim_keys", "example.org/rsa1,example.org/ed1"}}));
}

TEST(OutboundEdits, FailureAndNoteOnlyInTheLog) {
  MessageFacts f;
  f.outbound = true;
  f.signatures = Result<std::vector<std::string>>(Error::perm("key too small"));
  EomResult out;
  LogFields log;
  decide_outbound(f, out, log);
  EXPECT_TRUE(out.edits.empty());
  EXPECT_EQ(log, (LogFields{{"dkim", "sign_failed"}, {"dkim_error", "key too small"}}));
  MessageFacts g;
  g.dkim_note = "not signed: no key for the From: address";
  log.clear();
  decide_outbound(g, out, log);
  EXPECT_EQ(log, (LogFields{{"dkim", "not signed: no key for the From: address"}}));
  log.clear();
  decide_outbound(MessageFacts{}, out, log);
  EXPECT_TRUE(log.empty());
}

}  // namespace
}  // namespace postern
