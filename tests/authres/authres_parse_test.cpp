// Unit tests for the Authentication-Results authserv-id parser.
#include <gtest/gtest.h>

#include "common/authres/parse.h"

using postern::authres::parse_authserv_id;

TEST(AuthresParse, PlainAndVersionedAndCommented) {
  EXPECT_EQ(*parse_authserv_id("mx.example.net; dkim=pass"), "mx.example.net");
  EXPECT_EQ(*parse_authserv_id(" (c (nested)) mx.example.net 1 ; spf=pass"), "mx.example.net");
  EXPECT_EQ(*parse_authserv_id("\"mx.example.net\"; none"), "mx.example.net");
  EXPECT_EQ(*parse_authserv_id("\r\n\tmx.example.net;\r\n\tnone"), "mx.example.net");
}

TEST(AuthresParse, MalformedIsErrorNotCrash) {
  EXPECT_FALSE(parse_authserv_id("").ok());
  EXPECT_FALSE(parse_authserv_id("; dkim=pass").ok());
  EXPECT_FALSE(parse_authserv_id("(unterminated mx;").ok());
  EXPECT_FALSE(parse_authserv_id("\"mx").ok());
  EXPECT_FALSE(parse_authserv_id("mx junk; none").ok());
  EXPECT_FALSE(parse_authserv_id(std::string(20, '(') + "x" + std::string(20, ')') + " mx").ok());
  EXPECT_FALSE(parse_authserv_id(std::string(20000, 'a')).ok());
}
