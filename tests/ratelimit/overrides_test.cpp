// Tests parse_limit_overrides (common/ratelimit/overrides.h).
#include "common/ratelimit/overrides.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

TEST(LimitOverrides, LinesBecomeLoginLimitsGroupedByWindow) {
  auto p = parse_limit_overrides(
      "# overrides\n"
      "Alice@Example.org   messages=1000/1h recipients=5000/1h  messages=4000/1d\n"
      "\n"
      "@example.net  bytes=500M/1d   # big attachments\r\n"
      "relay@example.org none\n");
  ASSERT_TRUE(p.errors.empty()) << p.errors[0];
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[0].subject, "alice@example.org");
  EXPECT_EQ(p.entries[0].line, 2);
  ASSERT_EQ(p.entries[0].limits.size(), 2u);
  EXPECT_EQ(p.entries[0].limits[0], (SendLimit{LimitBy::login, 3600, 1000, 5000, 0}));
  EXPECT_EQ(p.entries[0].limits[1], (SendLimit{LimitBy::login, 86400, 4000, 0, 0}));
  EXPECT_EQ(p.entries[1].subject, "@example.net");
  ASSERT_EQ(p.entries[1].limits.size(), 1u);
  EXPECT_EQ(p.entries[1].limits[0].bytes, int64_t{500} << 20);
  EXPECT_EQ(p.entries[2].subject, "relay@example.org");
  EXPECT_TRUE(p.entries[2].limits.empty());
}

TEST(LimitOverrides, EachBadLineIsReportedWithItsNumberAndSkipped) {
  auto p = parse_limit_overrides(
      "alice@example.org\n"                             // 1: no limits
      "bob@example.org messages=100\n"                  // 2: no window
      "carol@example.org emails=5/1h\n"                 // 3: unknown metric
      "dave@example.org messages=0/1h\n"                // 4: zero
      "erin@example.org messages=5/1y\n"                // 5: bad window
      "frank@example.org messages=5M/1h\n"              // 6: suffix on a count
      "gina@example.org messages=5/1h messages=6/1h\n"  // 7: twice
      "@ messages=5/1h\n"                               // 8: bare @
      "hank@example.org none messages=5/1h\n"           // 9: none with others
      "ivan@example.org messages=5/1h\n"                // ok
      "IVAN@example.org messages=9/1h\n");              // 11: repeated
  ASSERT_EQ(p.errors.size(), 10u);
  for (size_t i = 0; i < 9; ++i)
    EXPECT_EQ(p.errors[i].rfind(std::to_string(i + 1) + ": ", 0), 0u) << p.errors[i];
  EXPECT_EQ(p.errors[9].rfind("11: ", 0), 0u) << p.errors[9];
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].limits[0].messages, 5);
}

TEST(LimitOverrides, LimitsOnSizeLineLengthAndWindowsPerLine) {
  std::string big(kMaxOverridesBytes + 1, '#');
  EXPECT_EQ(parse_limit_overrides(big).errors.size(), 1u);
  std::string long_line = "a@b messages=1/1h" + std::string(kMaxOverrideLine, ' ') + "\n";
  EXPECT_EQ(parse_limit_overrides(long_line).errors.size(), 1u);
  std::string many = "a@b";
  for (size_t i = 1; i <= kMaxOverrideLimits + 1; ++i) many += " messages=1/" + std::to_string(i) + "m";
  auto p = parse_limit_overrides(many);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_NE(p.errors[0].find("windows"), std::string::npos) << p.errors[0];
  EXPECT_EQ(parse_limit_overrides(std::string(kMaxOverrideSubject + 1, 'x') + " none").errors.size(), 1u);
  EXPECT_EQ(parse_limit_overrides(std::string("a\x01@b none")).errors.size(), 1u);
}

}  // namespace
}  // namespace postern
