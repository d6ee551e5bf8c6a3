// RFC 5322 address lists: ordinary forms, obsolete forms mail really has, and the ambiguous
// constructs that must be errors rather than guesses.
#include "common/mail/address.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

std::vector<std::string> addrs(std::string_view v) {
  auto r = parse_address_list(v);
  EXPECT_TRUE(r.ok()) << v << ": " << (r.ok() ? "" : r.error().message);
  std::vector<std::string> out;
  if (r) {
    for (const auto& a : *r) out.push_back(a.local_part + "@" + a.ascii_domain());
  }
  return out;
}

using V = std::vector<std::string>;

TEST(AddressList, OrdinaryForms) {
  EXPECT_EQ(addrs("alice@example.org"), V{"alice@example.org"});
  EXPECT_EQ(addrs("Alice Example <alice@Example.ORG>"), V{"alice@example.org"});
  EXPECT_EQ(addrs("\"Example, Alice\" <alice@example.org>, bob@example.net"),
            (V{"alice@example.org", "bob@example.net"}));
  EXPECT_EQ(addrs("alice@example.org (Alice (the (real) one))"), V{"alice@example.org"});
  EXPECT_EQ(addrs("=?UTF-8?B?QWxpY2U=?= <alice@example.org>"), V{"alice@example.org"});
  EXPECT_EQ(addrs("John.Q.Public <jqp@example.org>"), V{"jqp@example.org"});
  EXPECT_EQ(addrs("first.last@sub.example.org"), V{"first.last@sub.example.org"});
  EXPECT_EQ(addrs("Alice\r\n <alice@example.org>"), V{"alice@example.org"});
  EXPECT_EQ(addrs("alice@[192.0.2.1]"), V{"alice@[192.0.2.1]"});
}

TEST(AddressList, QuotedLocalPartsKeepTheirContent) {
  auto r = parse_address_list("\"a@b\"@example.org");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].local_part, "a@b");
  EXPECT_TRUE((*r)[0].quoted_local);
  EXPECT_EQ((*r)[0].ascii_domain(), "example.org");
  EXPECT_EQ(addrs("\"alice\"@example.org"), V{"alice@example.org"});
  EXPECT_EQ(addrs("\"a\\\"b\"@example.org"), V{"a\"b@example.org"});
}

TEST(AddressList, GroupsAndObsoleteForms) {
  EXPECT_EQ(addrs("undisclosed-recipients:;"), V{});
  auto r = parse_address_list("Friends: a@example.org, \"B\" <b@example.net>;, c@example.com");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0].group, "Friends");
  EXPECT_EQ((*r)[1].display_name, "B");
  EXPECT_EQ((*r)[2].group, "");
  EXPECT_EQ(addrs("<@relay.example,@other.example:alice@example.org>"), V{"alice@example.org"});
  EXPECT_EQ(addrs("a@example.org,,b@example.org"), (V{"a@example.org", "b@example.org"}));
}

TEST(AddressList, DisplayNamesNeverYieldAddresses) {
  auto r = parse_address_list("\"alice@good.example\" <mallory@evil.example>");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].str(), "mallory@evil.example");
  EXPECT_EQ((*r)[0].display_name, "alice@good.example");
  r = parse_address_list("\"Alice <alice@good.example>\" <mallory@evil.example>");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].str(), "mallory@evil.example");
  r = parse_address_list("alice@good.example (alice@good.example) ");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 1u);
}

TEST(AddressList, NonAsciiDomainsAreReportedAsALabels) {
  auto r = parse_address_list(
      "alice@b\xc3\xbc"
      "cher.example");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].ascii_domain(), "xn--bcher-kva.example");
  EXPECT_EQ((*r)[0].domain,
            "b\xc3\xbc"
            "cher.example");
}

class Ambiguous : public ::testing::TestWithParam<const char*> {};

TEST_P(Ambiguous, IsAnErrorNotAGuess) {
  auto r = parse_address_list(GetParam());
  EXPECT_FALSE(r.ok()) << GetParam() << " parsed as " << (r.ok() && !r->empty() ? (*r)[0].str() : "");
}

INSTANTIATE_TEST_SUITE_P(
    CompositionKills, Ambiguous,
    ::testing::Values("<a@evil.example>@good.example", "a@good.example <b@evil.example>",
                      "alice@good.example<mallory@evil.example>", "<alice@good.example",
                      "alice@good.example>", "\"alice@good.example <mallory@evil.example>",
                      "alice@good.example (comment", "alice@good.example)", "alice@", "@good.example",
                      "alice", "<>", "alice@good..example", "alice@[good.example", "alice@good.example]",
                      "a@b@c.example", "a\\@b@c.example", "Friends: a@example.org",
                      "\x01"
                      "a@example.org",
                      "a@example.org; b@example.org", "<a@example.org> <b@example.org>",
                      "a@example.org b@example.org", "((((((((((deep))))))))))a@example.org",
                      "<a@evil.example>.good.example", "a@evil.example <@good.example:x@good.example",
                      "\"\"@example.org"));

TEST(AddressList, Limits) {
  std::string many;
  for (size_t i = 0; i <= kMaxAddresses; ++i) many += "a" + std::to_string(i) + "@example.org,";
  EXPECT_FALSE(parse_address_list(many).ok());
  EXPECT_FALSE(parse_address_list(std::string(kMaxAddressHeader + 1, 'a')).ok());
  EXPECT_FALSE(parse_address_list(std::string(kMaxLocalPart + 1, 'a') + "@example.org").ok());
}

TEST(EnvelopeAddress, Forms) {
  EXPECT_EQ(parse_envelope_address("<alice@example.org>")->str(), "alice@example.org");
  EXPECT_EQ(parse_envelope_address("alice@example.org")->str(), "alice@example.org");
  EXPECT_TRUE(parse_envelope_address("<>")->local_part.empty());
  EXPECT_EQ(parse_envelope_address("<@relay.example:alice@example.org>")->str(), "alice@example.org");
  EXPECT_EQ(parse_envelope_address("<\"a b\"@example.org>")->local_part, "a b");
  EXPECT_FALSE(parse_envelope_address("<alice@example.org> x").ok());
  EXPECT_FALSE(parse_envelope_address("<a@b@c>").ok());
}

}  // namespace
}  // namespace postern
