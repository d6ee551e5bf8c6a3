// DKIM and DMARC end to end: a real Postfix (submission authenticated through a real Dovecot, and
// an MX port), smtpd_milters pointing at the running postern-milter, and a test DNS server holding
// the keys and DMARC records. Authenticated mail is signed (and the signature verifies with
// posternctl against the published key); inbound mail is verified and stamped with exactly one
// Authentication-Results header of ours, a forged one claiming our authserv-id is removed while
// other hosts' headers stay; mail spoofing a p=reject domain is refused with 550 at end of data;
// a tampered signed message gets dkim=fail; SPF is evaluated at MAIL FROM and an SPF-aligned
// message passes DMARC without a signature.
#include <gtest/gtest.h>

#include "tests/harness/milter_stack.h"
#include "tests/harness/net.h"

namespace postern::test {
namespace {

size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

class MilterDkimDmarc : public MilterStackSuite<MilterDkimDmarc> {
 public:
  // Our domain's key (the milter signs with it) and a partner's key (the test signs with it).
  static MilterStackOptions options() {
    MilterStackOptions o;
    o.milter = MILTER;
    o.dir_prefix = "postern-milter-dkim";
    o.dkim_keys = {"example.org", "partner.test"};
    o.signing_domains = {"example.org"};
    o.sections = "[dmarc]\nenforce = true\n[dkim]\ninternal_networks = []\n";
    o.users = {{"alice@example.org", "alice-pass"}};
    o.mailboxes = {"alice@example.org", "bob@example.org"};
    o.before_postfix = [](MilterStack& st, PostfixOptions&) {
      auto& dns = st.dns();
      dns.add("_dmarc.example.org", "TXT", "\"v=DMARC1; p=reject\"");
      dns.add("_dmarc.partner.test", "TXT", "\"v=DMARC1; p=reject\"");
      dns.add("_dmarc.bank.test", "TXT", "\"v=DMARC1; p=reject\"");
      dns.add("spfonly.test", "TXT", "\"v=spf1 ip4:203.0.113.0/24 -all\"");
      dns.add("_dmarc.spfonly.test", "TXT", "\"v=DMARC1; p=reject\"");
    };
    return o;
  }

 protected:
  static std::string bob_message() { return stack().delivered("bob@example.org", ++delivered_); }
  static std::string signed_by_partner(const std::string& message) {
    return stack().signed_by(POSTERNCTL, "partner.test", message);
  }
  static inline size_t delivered_ = 0;
};

TEST_F(MilterDkimDmarc, AuthenticatedMailIsSignedAndTheSignatureVerifies) {
  auto r =
      stack().submit("alice@example.org", "alice-pass", "alice@example.org",
                     "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: signed\n\nhello Bob\n");
  ASSERT_EQ(r.code, 250) << r.text << stack().milter().output();
  std::string msg = bob_message();
  EXPECT_NE(msg.find("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=s1;"),
            std::string::npos)
      << msg;
  EXPECT_EQ(msg.find("Authentication-Results: mx.example.org"), std::string::npos)
      << msg;  // outbound: no stamp
  auto file = stack().dir().write("delivered.eml", msg);
  auto v = run_command({POSTERNCTL, "--dns", stack().dns().address(), "dkim", "verify", file.string()});
  EXPECT_EQ(v.output.substr(0, v.output.find('\n')), "pass") << v.output;
}

TEST_F(MilterDkimDmarc, InboundSignedMailIsVerifiedAndStampedOnce) {
  std::string msg = signed_by_partner(
      "From: news@partner.test\r\nTo: bob@example.org\r\nSubject: partner news\r\n"
      "Authentication-Results: mx.example.org; dkim=pass header.d=bank.test\r\n"
      "Authentication-Results: other.example; spf=pass smtp.mailfrom=partner.test\r\n"
      "\r\nThe news.\r\n");
  auto r = stack().inbound("news@partner.test", msg);
  ASSERT_EQ(r.code, 250) << r.text << stack().milter().output();
  std::string got = bob_message();
  EXPECT_EQ(count(got, "Authentication-Results: mx.example.org"), 1u) << got;
  EXPECT_NE(got.find("dkim=pass"), std::string::npos) << got;
  EXPECT_NE(got.find("header.d=partner.test"), std::string::npos) << got;
  EXPECT_NE(got.find("dmarc=pass"), std::string::npos) << got;
  EXPECT_EQ(got.find("header.d=bank.test"), std::string::npos) << got;  // the forged claim is gone
  EXPECT_NE(got.find("Authentication-Results: other.example; spf=pass"), std::string::npos) << got;
}

TEST_F(MilterDkimDmarc, TamperedBodyFailsDkimAndDmarcRejects) {
  std::string msg =
      signed_by_partner("From: news@partner.test\r\nTo: bob@example.org\r\nSubject: x\r\n\r\nPay 10.\r\n");
  size_t at = msg.find("Pay 10.");
  ASSERT_NE(at, std::string::npos);
  msg.replace(at, 7, "Pay 99.");
  auto r = stack().inbound("news@partner.test", msg);
  EXPECT_EQ(r.code, 550) << r.text;
  EXPECT_TRUE(r.has("5.7.1")) << r.text;
  EXPECT_TRUE(wait_until([&] { return stack().milter().output().find("dkim=fail") != std::string::npos; }))
      << stack().milter().output();
}

TEST_F(MilterDkimDmarc, SpoofingARejectDomainIsRefusedAtEndOfData) {
  auto r = stack().inbound("ceo@bank.test",
                           "From: CEO <ceo@bank.test>\nTo: bob@example.org\nSubject: wire\n\npay now\n");
  EXPECT_EQ(r.code, 550) << r.text;
  EXPECT_TRUE(r.has("5.7.1")) << r.text;
  auto composed = stack().inbound(
      "x@evil.test", "From: <ceo@evil.test>@bank.test\nTo: bob@example.org\nSubject: wire\n\nx\n");
  EXPECT_EQ(composed.code, 550) << composed.text;  // author_error: rejected by default
  auto two = stack().inbound(
      "x@evil.test", "From: a@evil.test\nFrom: ceo@bank.test\nTo: bob@example.org\nSubject: w\n\nx\n");
  EXPECT_EQ(two.code, 550) << two.text;
}

}  // namespace
}  // namespace postern::test

namespace postern::test {
namespace {

TEST_F(MilterDkimDmarc, OutsideMailClaimingOurDomainWithoutOurSignatureIsRefused) {
  auto r = stack().inbound("alice@example.org",
                           "From: Alice <alice@example.org>\nTo: bob@example.org\nSubject: hi\n\nx\n");
  EXPECT_EQ(r.code, 550) << r.text;
  EXPECT_TRUE(r.has("must come through its own mail servers")) << r.text;
}

TEST_F(MilterDkimDmarc, SpfAlignedMailPassesDmarcWithoutASignature) {
  auto r = stack().inbound("news@spfonly.test",
                           "From: news@spfonly.test\nTo: bob@example.org\nSubject: spf\n\nhi\n");
  ASSERT_EQ(r.code, 250) << r.text << stack().milter().output();
  std::string got = bob_message();
  EXPECT_NE(got.find("spf=pass"), std::string::npos) << got;
  EXPECT_NE(got.find("smtp.mailfrom=news@spfonly.test"), std::string::npos) << got;
  EXPECT_NE(got.find("dkim=none"), std::string::npos) << got;
  EXPECT_NE(got.find("dmarc=pass"), std::string::npos) << got;
  // From a client the domain does not list: spf=fail, no aligned DKIM either, p=reject.
  auto bad =
      stack().inbound("news@spfonly.test",
                      "From: news@spfonly.test\nTo: bob@example.org\nSubject: spf\n\nhi\n", "198.51.100.9");
  EXPECT_EQ(bad.code, 550) << bad.text;
  EXPECT_TRUE(wait_until([&] { return stack().milter().output().find("spf=fail") != std::string::npos; }))
      << stack().milter().output();
}

}  // namespace
}  // namespace postern::test
