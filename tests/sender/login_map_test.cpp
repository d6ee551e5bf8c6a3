// Tests for the smtpd_sender_login_maps-style parser: format, continuation lines, limits, errors.
#include "common/sender/login_map.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

TEST(LoginMap, ParsesEntriesCommentsAndContinuations) {
  auto r = parse_login_map(
      "# owners\n"
      "alice@example.org   alice@example.org\n"
      "\n"
      "sales@example.org   alice@example.org,bob@example.org\n"
      "   carol@example.org\n"
      "@example.net\tdave , erin\n");
  ASSERT_TRUE(r.errors.empty()) << r.errors.front();
  ASSERT_EQ(r.entries.size(), 3u);
  EXPECT_EQ(r.entries[0].key, "alice@example.org");
  EXPECT_EQ(r.entries[0].line, 2);
  EXPECT_EQ(r.entries[1].logins,
            (std::vector<std::string>{"alice@example.org", "bob@example.org", "carol@example.org"}));
  EXPECT_EQ(r.entries[1].line, 4);
  EXPECT_EQ(r.entries[2].key, "@example.net");
  EXPECT_EQ(r.entries[2].logins, (std::vector<std::string>{"dave", "erin"}));
}

TEST(LoginMap, ReportsErrorsWithLineNumbersAndKeepsGoodLines) {
  auto r = parse_login_map("nodomain alice\nok@example.org alice\nlonely@example.org\n");
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].rfind("1: ", 0), 0u);
  EXPECT_EQ(r.errors[1].rfind("3: ", 0), 0u);
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].key, "ok@example.org");
}

TEST(LoginMap, RejectsControlCharactersAndNul) {
  auto r = parse_login_map(std::string("a@b.c alice\x01\nx@y.z\0bob\n", 23));
  EXPECT_EQ(r.errors.size(), 2u);
  EXPECT_TRUE(r.entries.empty());
}

TEST(LoginMap, EnforcesLineAndLoginLimits) {
  std::string many = "a@b.c";
  for (size_t i = 0; i <= kMaxLoginsPerKey; ++i) many += " l" + std::to_string(i);
  auto r = parse_login_map(many + "\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("more than"), std::string::npos);

  std::string longline = "a@b.c " + std::string(kMaxLoginMapLine + 10, 'x') + "\n";
  r = parse_login_map(longline);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("longer than"), std::string::npos);
}

TEST(LoginMap, ContinuationAfterCommentDoesNotAttachToComment) {
  auto r = parse_login_map("# comment\n  stray@example.org bob\n");
  // A continuation line with nothing to continue is an entry of its own.
  ASSERT_TRUE(r.errors.empty());
  ASSERT_EQ(r.entries.size(), 1u);
  EXPECT_EQ(r.entries[0].key, "stray@example.org");
}

}  // namespace
}  // namespace postern
