// Unit tests for header_value_lf(): every value the milter hands to libmilter is LF-folded with no
// CR, and no input can end the field early or leave an empty continuation line.
#include "common/mail/header_value.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

TEST(HeaderValueLf, CrLfFoldingBecomesLfFolding) {
  EXPECT_EQ(header_value_lf("mx.example.org;\r\n\tspf=pass;\r\n\tdkim=none"),
            "mx.example.org;\n\tspf=pass;\n\tdkim=none");
  EXPECT_EQ(header_value_lf("v=1; a=rsa-sha256;\r\n\t b=abc\r\n\t def"),
            "v=1; a=rsa-sha256;\n\t b=abc\n\t def");
}

TEST(HeaderValueLf, LfFoldingIsKept) {
  EXPECT_EQ(header_value_lf("a;\n\tb"), "a;\n\tb");
  EXPECT_EQ(header_value_lf("plain value"), "plain value");
  EXPECT_EQ(header_value_lf(""), "");
}

TEST(HeaderValueLf, NoCrSurvivesInAnyPosition) {
  for (std::string in : {"a\rb", "a\r\rb", "a\r\r\nb", "\ra", "a\r", "a\r\n", "a\n\r\tb", "a\r\n\r\n\tb"}) {
    std::string out = header_value_lf(in);
    EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  }
  EXPECT_EQ(header_value_lf("a\rb"), "a\n\tb");
  EXPECT_EQ(header_value_lf("a\r\r\nb"), "a\n\tb");
}

TEST(HeaderValueLf, ALineBreakCannotStartAnotherField) {
  EXPECT_EQ(header_value_lf("x\r\nBcc: victim@example.net"), "x\n\tBcc: victim@example.net");
  EXPECT_EQ(header_value_lf("x\n\nbody"), "x\n\tbody");  // no empty line ending the header section
  EXPECT_EQ(header_value_lf("x\n \t \nnext"), "x\n\tnext");
}

TEST(HeaderValueLf, ControlCharactersAndTrailingSpaceAreCleaned) {
  EXPECT_EQ(header_value_lf(std::string("a\0b\x01\x7f", 5)), "a b");
  EXPECT_EQ(header_value_lf("a\tb"), "a\tb");
  EXPECT_EQ(header_value_lf("value \t\r\n"), "value");
}

// Every output line after the first starts with white space and has something else on it.
TEST(HeaderValueLf, EveryInputGivesWellFormedContinuationLines) {
  const std::string alphabet = std::string("a \t\r\n:", 6);
  for (int mask = 0; mask < 6 * 6 * 6 * 6 * 6; ++mask) {
    std::string in;
    for (int m = mask, k = 0; k < 5; ++k, m /= 6) in.push_back(alphabet[m % 6]);
    std::string out = header_value_lf(in);
    ASSERT_EQ(out.find('\r'), std::string::npos);
    for (size_t p = out.find('\n'); p != std::string::npos; p = out.find('\n', p + 1)) {
      ASSERT_LT(p + 1, out.size()) << "value ends with a line break for input " << testing::PrintToString(in);
      ASSERT_TRUE(out[p + 1] == ' ' || out[p + 1] == '\t') << testing::PrintToString(in);
      size_t end = out.find('\n', p + 1);
      std::string line = out.substr(p + 1, end == std::string::npos ? std::string::npos : end - p - 1);
      ASSERT_NE(line.find_first_not_of(" \t"), std::string::npos) << testing::PrintToString(in);
    }
  }
}

}  // namespace
}  // namespace postern
