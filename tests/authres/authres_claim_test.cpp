// Unit tests for claims_authserv_id(): which incoming Authentication-Results headers count as
// claiming our authserv-id and are removed. Every spelling a laxer downstream reader could take
// for ours is ours (issue: a no-break space after the id survived); other hosts' headers stay.
#include <gtest/gtest.h>

#include <string>

#include "common/authres/claim.h"

using postern::authres::claims_authserv_id;

namespace {

constexpr const char* kOurs = "mx.example.org";

TEST(AuthresClaim, StrictFormsAreOurs) {
  for (const char* v : {"mx.example.org; dkim=pass", "MX.Example.ORG; none", " mx.example.org 1; spf=pass",
                        "(c) mx.example.org (c); none", "\"mx.example.org\"; none",
                        "\r\n\tmx.example.org;\r\n\tnone", "mx.example.org", "mx.example.org;"})
    EXPECT_TRUE(claims_authserv_id(v, kOurs)) << v;
}

TEST(AuthresClaim, UnicodeWhiteSpaceAroundTheIdIsOurs) {
  const std::string spaces[] = {"\xC2\xA0",     "\xE2\x80\x80", "\xE2\x80\x8A", "\xE2\x80\x8B",
                                "\xE2\x80\xAF", "\xE3\x80\x80", "\xEF\xBB\xBF", "\xE2\x81\x9F",
                                "\xC2\x85",     "\xE1\x9A\x80"};
  for (const auto& sp : spaces) {
    EXPECT_TRUE(claims_authserv_id("mx.example.org" + sp + "; dkim=pass", kOurs)) << sp;
    EXPECT_TRUE(claims_authserv_id(sp + "mx.example.org; dkim=pass", kOurs)) << sp;
    EXPECT_TRUE(claims_authserv_id(sp + " " + sp + "mx.example.org" + sp + sp + ";", kOurs)) << sp;
    EXPECT_TRUE(claims_authserv_id("\"" + sp + "mx.example.org" + sp + "\"; none", kOurs)) << sp;
  }
}

TEST(AuthresClaim, MalformedHeadersStartingWithOurIdAreOurs) {
  for (const char* v :
       {"mx.example.org junk; dkim=pass", "mx.example.org/x; none", "mx.example.org:; none",
        "mx.example.org\x01; none", "mx.example.org\xff", "\"mx.example.org; none", "mx.example.org\v; none"})
    EXPECT_TRUE(claims_authserv_id(v, kOurs)) << v;
}

TEST(AuthresClaim, OtherHostsAreKept) {
  for (const char* v :
       {"other.example; spf=pass", "mx.example.org.evil.test; dkim=pass", "mx.example.org-2; none",
        "mx.example.orgx; none", "xmx.example.org; none", "mx.example.or; none", "", "; none",
        "mail.example.org; none", "\xC2\xA0other.example; none"})
    EXPECT_FALSE(claims_authserv_id(v, kOurs)) << v;
}

TEST(AuthresClaim, CommentsEndingInABackslashStayInBounds) {  // found by libFuzzer
  EXPECT_FALSE(claims_authserv_id("('p\xff\xff\xff\xff\\", kOurs));
  EXPECT_FALSE(claims_authserv_id("(\\", kOurs));
  EXPECT_FALSE(claims_authserv_id("\"(\\", kOurs));
  EXPECT_TRUE(claims_authserv_id("(a\\) b) mx.example.org; none", kOurs));
}

TEST(AuthresClaim, HugeValuesAreBounded) {
  EXPECT_TRUE(claims_authserv_id("mx.example.org;" + std::string(100000, ' '), kOurs));
  EXPECT_FALSE(claims_authserv_id(std::string(100000, '('), kOurs));
  EXPECT_FALSE(claims_authserv_id("x", ""));
}

}  // namespace
