// The inbound steps one by one: SPF's rejection and its two header values, the DKIM results, the
// DMARC input, the rule for outside mail claiming our domains, and what each DMARC action does.
#include "common/message/inbound.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

SpfVerdict spf(SpfResult r, std::string domain = "example.net", std::string sender = "bob@example.net") {
  SpfVerdict v;
  v.result = r;
  v.identity = SpfIdentity::mailfrom;
  v.domain = std::move(domain);
  v.sender = std::move(sender);
  v.reason = "matched ip4:192.0.2.0/24";
  return v;
}

TEST(SpfStep, FailRejectsOnlyWithFailActionReject) {
  SpfConfig c;
  ASSERT_EQ(c.fail_action, SpfFailAction::record);
  EXPECT_FALSE(spf_rejection(spf(SpfResult::fail), c, "192.0.2.1"));
  c.fail_action = SpfFailAction::reject;
  for (SpfResult r : {SpfResult::none, SpfResult::neutral, SpfResult::pass, SpfResult::softfail,
                      SpfResult::temperror, SpfResult::permerror})
    EXPECT_FALSE(spf_rejection(spf(r), c, "192.0.2.1")) << to_string(r);
  auto v = spf_rejection(spf(SpfResult::fail), c, "192.0.2.1");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->kind, Verdict::Kind::reject);
  EXPECT_EQ(v->rcode, "550");
  EXPECT_EQ(v->xcode, "5.7.23");
  EXPECT_EQ(v->text, "SPF: example.net does not allow 192.0.2.1 to send its mail");
  auto with_exp = spf(SpfResult::fail);
  with_exp.explanation = std::string(300, 'x');
  EXPECT_EQ(spf_rejection(with_exp, c, "192.0.2.1")->text,
            "SPF: example.net does not allow 192.0.2.1 to send its mail: " + std::string(200, 'x'));
}

TEST(SpfStep, AuthresNamesMailFromOrHeloForTheNullSender) {
  auto r = spf_method_result(spf(SpfResult::pass), "<bob@example.net>", "mx.example.net");
  EXPECT_EQ(r.method, "spf");
  EXPECT_EQ(r.result, AuthResult::pass);
  EXPECT_EQ(r.reason, "matched ip4:192.0.2.0/24");
  EXPECT_EQ(r.properties,
            (std::vector<std::pair<std::string, std::string>>{{"smtp.mailfrom", "bob@example.net"}}));
  auto null = spf(SpfResult::none, "mx.example.net", "postmaster@mx.example.net");
  r = spf_method_result(null, "<>", "mx.example.net");
  EXPECT_EQ(r.properties,
            (std::vector<std::pair<std::string, std::string>>{{"smtp.helo", "mx.example.net"}}));
  // A real postmaster@ sender is a MAIL FROM identity.
  r = spf_method_result(spf(SpfResult::pass, "example.net", "postmaster@example.net"),
                        "postmaster@example.net", "h");
  EXPECT_EQ(r.properties[0].first, "smtp.mailfrom");
}

TEST(SpfStep, ReceivedSpfExactBytesCleanedAndCapped) {
  auto v = spf(SpfResult::softfail);
  EXPECT_EQ(received_spf_value(v, "mx.example.org", "192.0.2.1", "mail.example.net"),
            "softfail (mx.example.org: matched ip4:192.0.2.0/24) client-ip=192.0.2.1; "
            "envelope-from=\"bob@example.net\"; helo=mail.example.net; identity=mailfrom; "
            "receiver=mx.example.org;");
  v.reason = "a\r\nX-Injected: yes\x7f";
  std::string s = received_spf_value(v, "mx", "192.0.2.1", "");
  EXPECT_EQ(s,
            "softfail (mx: a  X-Injected: yes ) client-ip=192.0.2.1; envelope-from=\"bob@example.net\"; "
            "helo=unknown; identity=mailfrom; receiver=mx;");
  v.reason = std::string(2000, 'r');
  EXPECT_EQ(received_spf_value(v, "mx", "192.0.2.1", "h").size(), kMaxReceivedSpfBytes);
}

TEST(DkimStep, OneEntryPerSignatureOrNone) {
  DkimVerification none;
  auto r = dkim_method_results(none);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].method, "dkim");
  EXPECT_EQ(r[0].result, AuthResult::none);
  EXPECT_TRUE(r[0].properties.empty());
  DkimVerification v;
  v.signatures.push_back(
      {DkimResult::pass, "signature verified", "example.org", "", "s1", "rsa-sha256", "abcd", 2048});
  v.signatures.push_back(
      {DkimResult::fail, "body hash mismatch", "example.net", "@example.net", "s2", "ed25519-sha256", "", 0});
  r = dkim_method_results(v);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].result, AuthResult::pass);
  EXPECT_EQ(r[0].properties, (std::vector<std::pair<std::string, std::string>>{{"header.d", "example.org"},
                                                                               {"header.s", "s1"},
                                                                               {"header.a", "rsa-sha256"},
                                                                               {"header.b", "abcd"}}));
  EXPECT_EQ(r[1].result, AuthResult::fail);
  EXPECT_EQ(r[1].reason, "body hash mismatch");
  EXPECT_EQ(r[1].properties,
            (std::vector<std::pair<std::string, std::string>>{{"header.d", "example.net"},
                                                              {"header.i", "@example.net"},
                                                              {"header.s", "s2"},
                                                              {"header.a", "ed25519-sha256"}}));
}

TEST(DmarcInputStep, SpfAndDkimResultsAndTheEnvelopeDomainWithoutSpf) {
  MessageFacts f;
  f.envelope_from = "<Bob@Example.NET>";
  f.client_ip = IpAddress::parse("192.0.2.1").value();
  f.from = parse_from_header({"bob@example.net"});
  auto in = dmarc_input(f);
  EXPECT_EQ(in.spf_domain, "example.net");  // libmilter's angle brackets do not reach the domain
  EXPECT_EQ(in.spf_result, AuthResult::none);
  EXPECT_TRUE(in.dkim.empty());
  EXPECT_EQ(in.client_ip->str(), "192.0.2.1");
  ASSERT_TRUE(in.from.author.ok());
  f.spf = spf(SpfResult::softfail, "example.net");
  DkimVerification v;
  v.signatures.push_back({DkimResult::pass, "", "Example.org", "", "s", "rsa-sha256", "", 0});
  f.dkim = v;
  in = dmarc_input(f);
  EXPECT_EQ(in.spf_domain, "example.net");
  EXPECT_EQ(in.spf_result, AuthResult::softfail);
  ASSERT_EQ(in.dkim.size(), 1u);
  EXPECT_EQ(in.dkim[0].domain, "Example.org");
  EXPECT_EQ(in.dkim[0].result, AuthResult::pass);
}

class ClaimStep : public ::testing::Test {
 protected:
  void SetUp() override {
    policy.local_domains = {"example.org", "xn--bcher-kva.example"};
    policy.dmarc.trusted_forwarders = {IpNetwork::parse("198.51.100.0/24").value()};
    facts.client_ip = IpAddress::parse("203.0.113.5").value();
    facts.from = parse_from_header({"CEO <ceo@Example.ORG>"});
  }
  std::string claim() { return local_domain_claim(facts, policy, dmarc_input(facts)); }
  void dkim(const std::string& d, DkimResult r) {
    if (!facts.dkim) facts.dkim = DkimVerification{};
    facts.dkim->signatures.push_back({r, "", d, "", "s", "rsa-sha256", "", 0});
  }
  MessagePolicy policy;
  MessageFacts facts;
};

TEST_F(ClaimStep, OurDomainWithoutItsSignatureIsAClaim) {
  EXPECT_EQ(claim(), "example.org");
  facts.from = parse_from_header({"b@Bücher.example"});
  EXPECT_EQ(claim(), "xn--bcher-kva.example");
  facts.from = parse_from_header({"Team: ceo@example.org;"});  // a group member counts
  EXPECT_EQ(claim(), "example.org");
}

TEST_F(ClaimStep, OnlyAPassingSignatureOfThatDomainClears) {
  dkim("example.org", DkimResult::fail);
  dkim("evil.example", DkimResult::pass);
  dkim("sub.example.org", DkimResult::pass);
  EXPECT_EQ(claim(), "example.org");
  dkim("EXAMPLE.org", DkimResult::pass);
  EXPECT_EQ(claim(), "");
}

TEST_F(ClaimStep, NoClaimCases) {
  facts.from = parse_from_header({"ceo@example.net"});
  EXPECT_EQ(claim(), "") << "not ours";
  facts.from = parse_from_header({"ceo@example.org", "ceo@example.org"});
  EXPECT_EQ(claim(), "") << "two From: fields: DMARC's author rule judges it";
  facts.from = parse_from_header({"ceo@example.org, x@example.org"});
  EXPECT_EQ(claim(), "") << "two addresses";
  facts.from = parse_from_header({"ceo@example.org"});
  facts.client_ip = IpAddress::parse("198.51.100.9").value();
  EXPECT_EQ(claim(), "") << "trusted forwarder";
  facts.client_ip.reset();
  EXPECT_EQ(claim(), "example.org") << "an unknown client is no forwarder";
  policy.local_domains.clear();
  EXPECT_EQ(claim(), "") << "no local domains";
}

TEST(ClaimOutcome, EachOutsideAction) {
  SenderConfig c;
  ASSERT_EQ(c.outside_action, OutsideAction::reject);
  auto o = outside_claim_outcome("example.org", c);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::reject);
  EXPECT_EQ(o.verdict.rcode, "550");
  EXPECT_EQ(o.verdict.xcode, "5.7.1");
  EXPECT_EQ(o.verdict.text,
            "Mail from example.org must come through its own mail servers or carry its DKIM signature");
  EXPECT_FALSE(o.edit);
  c.outside_action = OutsideAction::header;
  o = outside_claim_outcome("example.org", c);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::cont);
  ASSERT_TRUE(o.edit);
  EXPECT_EQ(o.edit->op, HeaderEdit::Op::add);
  EXPECT_EQ(o.edit->name, "X-Postern-Local-Domain-Warning");
  EXPECT_EQ(o.edit->value, "From: claims our domain example.org without its DKIM signature");
  c.outside_action = OutsideAction::accept;
  o = outside_claim_outcome("example.org", c);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::cont);
  EXPECT_FALSE(o.edit);
  c.outside_action = OutsideAction::reject;
  o = outside_claim_outcome("", c);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::cont);
  EXPECT_FALSE(o.edit);
}

TEST(DmarcOutcomeStep, EachAction) {
  DmarcVerdict v;
  v.author_domain = "example.net";
  v.reason = "no aligned SPF or DKIM pass";
  DmarcDecision d;
  d.action = DmarcAction::reject;
  d.reply = "5.7.1 Message rejected by the DMARC policy of the sender's domain";
  auto o = dmarc_outcome(v, d);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::reject);
  EXPECT_EQ(o.verdict.rcode, "550");
  EXPECT_EQ(o.verdict.xcode, "5.7.1");
  EXPECT_EQ(o.verdict.text, "Message rejected by the DMARC policy of the sender's domain");
  d.reply = "5.7.26 Unauthenticated mail";
  EXPECT_EQ(dmarc_outcome(v, d).verdict.xcode, "5.7.26");
  EXPECT_EQ(dmarc_outcome(v, d).verdict.text, "Unauthenticated mail");
  d.reply = "Go away";  // no enhanced code: 5.7.1
  EXPECT_EQ(dmarc_outcome(v, d).verdict.xcode, "5.7.1");
  EXPECT_EQ(dmarc_outcome(v, d).verdict.text, "Go away");
  d.action = DmarcAction::tempfail;
  d.reply = "4.7.5 try later";
  o = dmarc_outcome(v, d);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::tempfail);
  EXPECT_EQ(o.verdict.rcode, "451");
  EXPECT_EQ(o.verdict.xcode, "4.7.5");
  EXPECT_EQ(o.verdict.text, "try later");
  d.action = DmarcAction::hold;
  o = dmarc_outcome(v, d);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::cont);
  EXPECT_EQ(o.quarantine, "DMARC policy of example.net: no aligned SPF or DKIM pass");
  EXPECT_FALSE(o.edit);
  d.action = DmarcAction::header;
  o = dmarc_outcome(v, d);
  EXPECT_EQ(o.quarantine, "");
  ASSERT_TRUE(o.edit);
  EXPECT_EQ(o.edit->name, "X-Postern-DMARC");
  EXPECT_EQ(o.edit->value, "quarantine");
  d.action = DmarcAction::accept;
  o = dmarc_outcome(v, d);
  EXPECT_EQ(o.verdict.kind, Verdict::Kind::cont);
  EXPECT_EQ(o.quarantine, "");
  EXPECT_FALSE(o.edit);
}

// The report's recipient domains: one per domain, lower-case, in RCPT order, at most
// kMaxReportRcptDomains; addresses without a domain are not noted.
TEST(ReportFactsStep, RecipientDomainsDeduplicatedAndBounded) {
  MessageFacts f;
  for (const char* a : {"<bob@Example.ORG>", "<alice@example.org>", "<x@lists.example>", "<postmaster>", "<>",
                        "carol@EXAMPLE.org"})
    add_rcpt_domain(f, a);
  EXPECT_EQ(f.rcpt_domains, (std::vector<std::string>{"example.org", "lists.example"}));
  EXPECT_EQ(dmarc_report_facts(f).envelope_to, f.rcpt_domains);
  for (size_t i = 0; i < kMaxReportRcptDomains + 10; ++i)
    add_rcpt_domain(f, "<u@d" + std::to_string(i) + ".example>");
  ASSERT_EQ(f.rcpt_domains.size(), kMaxReportRcptDomains);
  EXPECT_EQ(f.rcpt_domains.back(), "d" + std::to_string(kMaxReportRcptDomains - 3) + ".example");
}

}  // namespace
}  // namespace postern
