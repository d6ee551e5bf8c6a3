// The author address rule: exactly one From: header with exactly one address; every ambiguous or
// multiple form is an author error, never a guessed domain (OpenDMARC CVE-2019-16378 /
// CVE-2021-34555 class and "Composition Kills" cases).
#include "common/dmarc/author.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

std::string domain_of(std::vector<std::string> froms) {
  auto r = dmarc_author(froms);
  EXPECT_TRUE(r.ok()) << (froms.empty() ? "" : froms[0]) << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? r->ascii_domain() : "";
}

std::string error_of(std::vector<std::string> froms) {
  auto r = dmarc_author(froms);
  EXPECT_FALSE(r.ok()) << (froms.empty() ? "" : froms[0]) << " gave " << (r.ok() ? r->str() : "");
  return r.ok() ? "" : r.error().message;
}

TEST(DmarcAuthor, OneAddressGivesItsDomain) {
  EXPECT_EQ(domain_of({"alice@Example.ORG"}), "example.org");
  EXPECT_EQ(domain_of({" Alice <alice@example.org>"}), "example.org");
  EXPECT_EQ(domain_of({"\"alice@good.example\" <mallory@evil.example>"}), "evil.example");
  EXPECT_EQ(domain_of({"\"Alice <alice@good.example>\" <mallory@evil.example>"}), "evil.example");
  EXPECT_EQ(domain_of({"=?UTF-8?Q?alice=40good=2Eexample?= <mallory@evil.example>"}), "evil.example");
  EXPECT_EQ(domain_of({"mallory@evil.example (alice@good.example)"}), "evil.example");
  EXPECT_EQ(domain_of({"\"a@good.example\"@evil.example"}), "evil.example");
  EXPECT_EQ(domain_of({"Alice\r\n <alice@example.org>"}), "example.org");
}

TEST(DmarcAuthor, NoneOrSeveralFromHeaders) {
  EXPECT_EQ(error_of({}), "no From: header");
  EXPECT_NE(error_of({"a@example.org", "b@example.net"}).find("2 From: headers"), std::string::npos);
  EXPECT_NE(error_of({"a@example.org", "a@example.org"}).find("2 From: headers"), std::string::npos);
  EXPECT_EQ(error_of({""}), "From: header holds no address");
  EXPECT_NE(error_of({"<"}).find("does not parse"), std::string::npos);
}

TEST(DmarcAuthor, SeveralAddressesOrGroups) {
  EXPECT_NE(error_of({"a@example.org, b@example.net"}).find("2 addresses"), std::string::npos);
  EXPECT_NE(error_of({"a@example.org, a@example.org"}).find("2 addresses"), std::string::npos);
  EXPECT_NE(error_of({"undisclosed:;"}).find("no address"), std::string::npos);
  EXPECT_NE(error_of({"Team: a@example.org;"}).find("group"), std::string::npos);
}

class Confusion : public ::testing::TestWithParam<const char*> {};

TEST_P(Confusion, IsAnAuthorErrorNotAGuess) { (void)error_of({GetParam()}); }

INSTANTIATE_TEST_SUITE_P(CompositionKills, Confusion,
                         ::testing::Values("<a@evil.example>@good.example",
                                           "<a@evil.example> <b@good.example>",
                                           "alice@good.example <mallory@evil.example>",
                                           "Alice <alice@good.example", "alice@good.example>",
                                           "\"Alice <mallory@evil.example>", "a@good.example@evil.example",
                                           "a@good.example (comment", "<>", "alice", "@good.example",
                                           "<mallory@evil.example>, alice@good.example",
                                           "=?UTF-8?B?PGFAZXZpbC5leGFtcGxlPg==?=@good.example x"));

}  // namespace
}  // namespace postern
