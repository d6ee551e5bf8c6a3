// The policy protocol parser: requests, limits, errors, and the same result for every split.
#include "common/policy/request_parser.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

const std::string kTwo =
    "request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=192.0.2.7\nsender=a@example.org\n"
    "recipient=b@example.net\nfuture_attribute=whatever\n\n"
    "request=smtpd_access_policy\r\nprotocol_state=RCPT\r\nclient_address=2001:db8::7\r\nsender=\r\n"
    "recipient=c@example.net\r\n\r\n";

std::vector<PolicyRequest> parse_all(const std::vector<std::string>& chunks) {
  PolicyRequestParser p;
  std::vector<PolicyRequest> out;
  for (const auto& c : chunks) EXPECT_TRUE(p.feed(c, out).ok());
  return out;
}

TEST(PolicyRequestParser, ParsesRequestsWithUnknownAttributesAndCrlf) {
  auto reqs = parse_all({kTwo});
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].get("client_address"), "192.0.2.7");
  EXPECT_EQ(reqs[0].get("future_attribute"), "whatever");
  EXPECT_EQ(reqs[1].get("client_address"), "2001:db8::7");
  EXPECT_EQ(reqs[1].get("sender"), "");
  EXPECT_EQ(reqs[1].get("absent"), "");
}

TEST(PolicyRequestParser, EverySplitGivesTheSameRequests) {
  auto whole = parse_all({kTwo});
  for (size_t i = 0; i <= kTwo.size(); ++i) {
    for (size_t j = i; j <= kTwo.size(); j += 7) {
      auto parts = parse_all({kTwo.substr(0, i), kTwo.substr(i, j - i), kTwo.substr(j)});
      ASSERT_EQ(parts.size(), whole.size()) << i << "," << j;
      for (size_t k = 0; k < parts.size(); ++k) EXPECT_EQ(parts[k].attrs, whole[k].attrs);
    }
  }
  // One byte at a time.
  std::vector<std::string> bytes;
  for (char c : kTwo) bytes.emplace_back(1, c);
  EXPECT_EQ(parse_all(bytes).size(), 2u);
}

TEST(PolicyRequestParser, PartialRequestIsHeldBack) {
  PolicyRequestParser p;
  std::vector<PolicyRequest> out;
  ASSERT_TRUE(p.feed("request=smtpd_access_policy\nsender=a@b\n", out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_TRUE(p.in_request());
  ASSERT_TRUE(p.feed("\n", out).ok());
  EXPECT_EQ(out.size(), 1u);
}

struct Bad {
  std::string input;
  const char* fragment;
};

class PolicyRequestErrors : public ::testing::TestWithParam<Bad> {};

TEST_P(PolicyRequestErrors, AreErrorsAndStickToTheConnection) {
  PolicyRequestParser p;
  std::vector<PolicyRequest> out;
  auto r = p.feed(GetParam().input, out);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(GetParam().fragment), std::string::npos) << r.error().message;
  EXPECT_TRUE(p.failed());
  EXPECT_FALSE(p.feed("request=smtpd_access_policy\n\n", out).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyRequestErrors,
    ::testing::Values(Bad{std::string("request=smtpd_access_policy\nsender=a\0b\n\n", 40), "NUL"},
                      Bad{"request=smtpd_access_policy\nnot an attribute\n\n", "name=value"},
                      Bad{"request=smtpd_access_policy\n=value\n\n", "name=value"},
                      Bad{"sender=a@b\n\n", "smtpd_access_policy"}, Bad{"\n", "empty request"},
                      Bad{"request=smtpd_access_policy\nsender=" + std::string(kMaxPolicyLine, 'x') + "\n\n",
                          "line longer"},
                      Bad{[] {
                            std::string s = "request=smtpd_access_policy\n";
                            for (size_t i = 0; i <= kMaxPolicyAttributes; ++i)
                              s += "a" + std::to_string(i) + "=1\n";
                            return s + "\n";
                          }(),
                          "attributes"},
                      Bad{[] {
                            std::string s = "request=smtpd_access_policy\n";
                            while (s.size() <= kMaxPolicyRequest) s += "x=" + std::string(1000, 'y') + "\n";
                            return s;
                          }(),
                          "larger than"}));

}  // namespace
}  // namespace postern
