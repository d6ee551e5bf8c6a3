// domain_to_alabels: U-labels and A-labels meet in one validated A-label form; look-alikes,
// invalid punycode, disallowed code points, bad UTF-8 and over-long labels are errors.
#include "common/mail/idna.h"

#include <gtest/gtest.h>

#include "common/mail/address.h"

namespace postern {
namespace {

std::string ok(std::string_view in) {
  auto r = domain_to_alabels(in);
  EXPECT_TRUE(r.ok()) << in << ": " << (r ? "" : r.error().message);
  return r ? *r : std::string("<error>");
}

std::string err(std::string_view in) {
  auto r = domain_to_alabels(in);
  EXPECT_FALSE(r.ok()) << in << " gave " << (r ? *r : "");
  return r ? std::string() : r.error().message;
}

TEST(Idna, ULabelAndALabelMeet) {
  EXPECT_EQ(ok("b\xc3\xbc"
               "cher.example"),
            "xn--bcher-kva.example");
  EXPECT_EQ(ok("xn--bcher-kva.example"), "xn--bcher-kva.example");
  EXPECT_EQ(ok("XN--BCHER-KVA.Example"), "xn--bcher-kva.example");
  EXPECT_EQ(ok("Xn--Bcher-Kva.EXAMPLE"), "xn--bcher-kva.example");
  // NFD input (u + combining diaeresis) is the same text as NFC.
  EXPECT_EQ(ok("bu\xcc\x88"
               "cher.example"),
            "xn--bcher-kva.example");
  // Labels of one other script are fine, and stay distinct from Latin names.
  EXPECT_EQ(ok("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.example"), "xn--e1afmkfd.example");
  EXPECT_EQ(ok("\xe4\xbe\x8b\xe3\x81\x88.jp"), "xn--r8jz45g.jp");
}

TEST(Idna, AsciiIsOnlyLowerCased) {
  EXPECT_EQ(ok("Example.ORG"), "example.org");
  EXPECT_EQ(ok("a-b.c1.example"), "a-b.c1.example");
  EXPECT_EQ(ok("[192.0.2.1]"), "[192.0.2.1]");
  EXPECT_EQ(ok("[IPv6:2001:DB8::1]"), "[ipv6:2001:db8::1]");
}

TEST(Idna, LookAlikesAreDifferentOrRefused) {
  // Cyrillic 'а' (U+0430) in place of Latin 'a': a whole-Cyrillic label is valid but another name.
  EXPECT_EQ(ok("\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.example"), "xn--80ak6aa92e.example");
  // Mixed Latin and Cyrillic in one label: refused, as U-label and as its A-label.
  EXPECT_NE(err("ex\xd0\xb0mple.org").find("mixes scripts"), std::string::npos);
  EXPECT_NE(err("xn--exmple-4nf.org").find("mixes scripts"), std::string::npos);
  // Latin + Greek omicron.
  EXPECT_NE(err("g\xce\xbf"
                "ogle.example")
                .find("mixes scripts"),
            std::string::npos);
  // Full-width 'ａ' is no 'a' (no UTS #46 width mapping): disallowed.
  err("\xef\xbd\x81lice.example");
  // Non-ASCII upper case is not folded.
  err("B\xc3\x9c"
      "CHER.example");
  // Mixed scripts across labels are fine: each label is judged alone.
  EXPECT_EQ(ok("\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.b\xc3\xbc"
               "cher.example"),
            "xn--e1afmkfd.xn--bcher-kva.example");
}

TEST(Idna, InvalidALabelsAreRefused) {
  EXPECT_NE(err("xn--bcher-kvb.example").find("A-label"), std::string::npos);  // decodes to ǈ
  err("xn--.example");
  err("xn--a.example");
  err("xn--abc.example");
  err("xn--zz-zzzzzzzzzzzzzzzzzzzzz.example");
  // An A-label that encodes plain ASCII is not a valid A-label.
  err("xn--example-.org");
}

TEST(Idna, MalformedInput) {
  err("");
  err("a..example");
  err(".example");
  err("example.");
  err("a\xff"
      "b.example");              // bad UTF-8
  err("a\xc3.example");          // truncated sequence
  err("\xc0\xaf.example");       // overlong encoding
  err("a\xed\xa0\x80.example");  // UTF-16 surrogate
  err(std::string_view("a\0b.example", 11));
  err("a\xe2\x80\x8d"
      "b.example");  // ZWJ without context (CONTEXTJ)
  err("\xcc\x88"
      "abc.example");            // leading combining mark
  err("a\xe2\x98\x83.example");  // symbol (snowman): disallowed in IDNA2008
  err("[192.0.2.\xc3\xbc]");
  err("[192.0.2.1");  // unterminated literal
  err("[]");
  err("[a]b]");
  err("[a b]");
  err("[" + std::string(kMaxDnsName, '1') + "]");  // found by the fuzzer: no length limit
}

TEST(Idna, Limits) {
  std::string label63(kMaxDnsLabel, 'a');
  EXPECT_EQ(ok(label63 + ".example"), label63 + ".example");
  EXPECT_NE(err(label63 + "a.example").find("63"), std::string::npos);
  // A U-label of 60 bytes whose A-label ("xn--" + 58 letters + "-" + code) exceeds 63 octets.
  std::string long_u = std::string(58, 'a') + "\xc3\xbc";
  err(long_u + ".example");  // libidn2 itself refuses the label
  // The whole name: 4 labels of 63 plus dots is 255 > kMaxDnsName.
  std::string name = label63 + "." + label63 + "." + label63 + "." + label63;
  EXPECT_NE(err(name).find("253"), std::string::npos);
  EXPECT_NE(err(std::string(kMaxIdnDomainInput + 1, 'a')).find("1024"), std::string::npos);
}

TEST(Idna, AddressDomainIsTheALabel) {
  auto r = parse_address_list(
      "Alice <alice@B\xc3\xbc"
      "cher.example>, bob@XN--BCHER-KVA.example");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].ascii_domain(), "xn--bcher-kva.example");  // ASCII 'B' lower-cased first
  EXPECT_EQ((*r)[1].ascii_domain(), "xn--bcher-kva.example");
  auto bad = parse_address_list("alice@ex\xd0\xb0mple.org");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ((*bad)[0].ascii_domain(), "");
}

}  // namespace
}  // namespace postern
