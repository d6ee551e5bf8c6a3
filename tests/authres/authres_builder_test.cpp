// Unit tests for the Authentication-Results builder.
#include <gtest/gtest.h>

#include "common/authres/builder.h"

using postern::authres::build_value;
using postern::authres::MethodResult;

TEST(AuthresBuilder, EmptyListIsNone) {
  EXPECT_EQ(build_value("mx.example.net", {}), "mx.example.net; none");
}

TEST(AuthresBuilder, DkimPassWithProperties) {
  MethodResult r{"dkim",
                 postern::AuthResult::pass,
                 "",
                 {{"header.d", "example.com"},
                  {"header.i", "@example.com"},
                  {"header.s", "sel1"},
                  {"header.a", "rsa-sha256"}}};
  EXPECT_EQ(build_value("mx.example.net", {r}),
            "mx.example.net;\r\n\tdkim=pass header.d=example.com header.i=@example.com "
            "header.s=sel1 header.a=rsa-sha256");
}

TEST(AuthresBuilder, SeveralResultsAreSemicolonSeparated) {
  MethodResult a{"dkim", postern::AuthResult::pass, "", {{"header.d", "a.example"}}};
  MethodResult b{"dkim", postern::AuthResult::fail, "body hash mismatch", {{"header.d", "b.example"}}};
  EXPECT_EQ(build_value("mx", {a, b}),
            "mx;\r\n\tdkim=pass header.d=a.example;\r\n\tdkim=fail reason=\"body hash mismatch\" "
            "header.d=b.example");
}

TEST(AuthresBuilder, UntrustedValuesCannotInjectHeaders) {
  MethodResult r{
      "dkim", postern::AuthResult::fail, "x\"\\\r\nX-Evil: 1", {{"header.d", "ev il;\r\nX-Forged: yes"}}};
  std::string v = build_value("mx", {r});
  EXPECT_EQ(v.find("\r\nX-"), std::string::npos);
  EXPECT_EQ(v, "mx;\r\n\tdkim=fail reason=\"x\\\"\\\\X-Evil: 1\" header.d=\"ev il;X-Forged: yes\"");
}

TEST(AuthresResult, KeywordsBothWays) {
  using postern::AuthResult;
  for (AuthResult r : {AuthResult::none, AuthResult::pass, AuthResult::fail, AuthResult::softfail,
                       AuthResult::neutral, AuthResult::policy, AuthResult::temperror, AuthResult::permerror})
    EXPECT_EQ(postern::parse_auth_result(postern::to_string(r)), r) << postern::to_string(r);
  EXPECT_EQ(postern::parse_auth_result("PASS"), AuthResult::pass);
  EXPECT_EQ(postern::parse_auth_result("SoftFail"), AuthResult::softfail);
  EXPECT_FALSE(postern::parse_auth_result(""));
  EXPECT_FALSE(postern::parse_auth_result("passed"));
  EXPECT_FALSE(postern::parse_auth_result("pas"));
  EXPECT_FALSE(postern::parse_auth_result(std::string_view("pass\0", 5)));
  EXPECT_FALSE(postern::parse_auth_result("hardfail"));
}

TEST(AuthresBuilder, ResultCountIsBounded) {
  std::vector<MethodResult> many(100, MethodResult{"dkim", postern::AuthResult::none, "", {}});
  std::string v = build_value("mx", many);
  std::size_t count = 0;
  for (std::size_t p = v.find("dkim="); p != std::string::npos; p = v.find("dkim=", p + 1)) ++count;
  EXPECT_EQ(count, postern::authres::kMaxResults);
}
