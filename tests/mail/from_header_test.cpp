// parse_from_header: the one rule for the From: fields every check shares (exactly one field
// holding exactly one address), the error text of each case, and the addresses of the one field.
#include "common/mail/from_header.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

TEST(FromHeader, OneFieldOneAddressIsTheAuthor) {
  auto h = parse_from_header({" Alice <alice@Example.org>"});
  EXPECT_EQ(h.fields, 1u);
  ASSERT_TRUE(h.addresses.ok());
  ASSERT_EQ(h.addresses->size(), 1u);
  ASSERT_TRUE(h.author.ok());
  EXPECT_EQ(h.author->str(), "alice@Example.org");
  EXPECT_EQ(h.author->ascii_domain(), "example.org");
}

TEST(FromHeader, NoField) {
  auto h = parse_from_header({});
  EXPECT_EQ(h.fields, 0u);
  EXPECT_FALSE(h.addresses.ok());
  ASSERT_FALSE(h.author.ok());
  EXPECT_EQ(h.author.error().message, "no From: header");
}

TEST(FromHeader, SeveralFieldsNamedWithTheirCount) {
  auto h = parse_from_header({"a@example.org", "a@example.org"});
  EXPECT_EQ(h.fields, 2u);
  EXPECT_FALSE(h.addresses.ok());
  ASSERT_FALSE(h.author.ok());
  EXPECT_EQ(h.author.error().message, "2 From: headers, exactly one is allowed");
  std::vector<std::string> many(kMaxFromHeaders + 1, "a@example.org");
  EXPECT_EQ(parse_from_header(many).author.error().message, "17+ From: headers, exactly one is allowed");
  std::vector<std::string> limit(kMaxFromHeaders, "a@example.org");
  EXPECT_EQ(parse_from_header(limit).author.error().message, "16 From: headers, exactly one is allowed");
}

TEST(FromHeader, UnparsableEmptyAndSeveralAddresses) {
  auto bad = parse_from_header({"<alice@example.org>@evil.example"});
  EXPECT_FALSE(bad.addresses.ok());
  ASSERT_FALSE(bad.author.ok());
  EXPECT_EQ(bad.author.error().message.rfind("From: header does not parse: ", 0), 0u)
      << bad.author.error().message;

  auto empty = parse_from_header({""});
  ASSERT_TRUE(empty.addresses.ok());
  EXPECT_TRUE(empty.addresses->empty());
  EXPECT_EQ(empty.author.error().message, "From: header holds no address");

  auto two = parse_from_header({"a@example.org, b@example.net"});
  ASSERT_TRUE(two.addresses.ok());
  EXPECT_EQ(two.addresses->size(), 2u);  // sender ownership checks every one of them
  EXPECT_EQ(two.author.error().message, "From: header holds 2 addresses, exactly one is allowed");
}

TEST(FromHeader, AGroupMemberIsAnAddressHere) {
  // DMARC refuses groups on top of this rule (common/dmarc/author.h); signing and the local-domain
  // claim take the member as the author.
  auto h = parse_from_header({"Team: alice@example.org;"});
  ASSERT_TRUE(h.author.ok());
  EXPECT_EQ(h.author->group, "Team");
}

}  // namespace
}  // namespace postern
