// The ownership rules: login address, map entries, recipient delimiter, @domain entries,
// exemptions, case handling, and look-alikes that must not be owned.
#include "common/sender/ownership.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

OwnershipMap make_map(OwnershipOptions o = {}) {
  auto parsed = parse_login_map(
      "sales@example.org  alice@example.org, bob@example.org\n"
      "@example.net       carol@example.org\n"
      "Boss@example.org   dave@example.org\n");
  EXPECT_TRUE(parsed.errors.empty());
  o.exempt_logins.push_back("helpdesk@example.org");
  return OwnershipMap(parsed.entries, o);
}

struct Case {
  const char* login;
  const char* address;
  bool allowed;
};

class OwnershipMatrix : public ::testing::TestWithParam<Case> {};

TEST_P(OwnershipMatrix, Decides) {
  auto map = make_map();
  const Case& c = GetParam();
  auto d = map.check_address(c.login, c.address);
  EXPECT_EQ(d.allowed, c.allowed) << c.login << " -> " << c.address << ": " << d.reason;
  EXPECT_FALSE(d.reason.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Rules, OwnershipMatrix,
    ::testing::Values(Case{"alice@example.org", "alice@example.org", true},   // own login
                      Case{"alice@example.org", "alice@EXAMPLE.ORG", true},   // domain case
                      Case{"ALICE@Example.Org", "alice@example.org", false},  // local part exact by default
                      Case{"alice@example.org", "Alice@example.org", false},  // local part exact by default
                      Case{"alice@example.org", "alice+news@example.org", true},   // recipient delimiter
                      Case{"alice@example.org", "alice+@example.org", true},       // empty extension
                      Case{"alice@example.org", "+alice@example.org", false},      // delimiter first: no base
                      Case{"alice@example.org", "sales@example.org", true},        // alias lists alice
                      Case{"bob@example.org", "sales+q@example.org", true},        // alias via delimiter
                      Case{"erin@example.org", "sales@example.org", false},        // not listed
                      Case{"carol@example.org", "anyone@example.net", true},       // @domain entry
                      Case{"carol@example.org", "anyone@sub.example.net", false},  // no subdomain match
                      Case{"alice@example.org", "anyone@example.net", false},      // domain entry not hers
                      Case{"dave@example.org", "Boss@example.org", true},          // key local part exact
                      Case{"dave@example.org", "boss@example.org", false},         //
                      Case{"helpdesk@example.org", "ceo@example.com", true},       // exempt login
                      Case{"alice@example.org", "alice@example.org.evil.test", false},  // suffix trick
                      Case{"alice@example.org", "alice@exampl\xc3\xa9.org", false},     // non-ASCII domain
                      Case{"alice@example.org", "alice@", false},                       // no domain
                      Case{"alice@example.org", "", false},                             // null sender
                      Case{"alice@example.org", "\"alice@example.org\"@evil.test", false}));

TEST(Ownership, CaseInsensitiveLocalPartsWhenConfigured) {
  OwnershipOptions o;
  o.local_part_case_insensitive = true;
  auto map = make_map(o);
  EXPECT_TRUE(map.check_address("alice@example.org", "Alice@Example.org").allowed);
  EXPECT_TRUE(map.check_address("dave@example.org", "boss@example.org").allowed);
}

TEST(Ownership, NoDelimiterMeansNoExtensions) {
  OwnershipOptions o;
  o.recipient_delimiter = "";
  auto map = make_map(o);
  EXPECT_FALSE(map.check_address("alice@example.org", "alice+news@example.org").allowed);
}

TEST(Ownership, SeveralDelimiterCharacters) {
  OwnershipOptions o;
  o.recipient_delimiter = "+-";
  auto map = make_map(o);
  EXPECT_TRUE(map.check_address("alice@example.org", "alice-lists@example.org").allowed);
}

TEST(Ownership, NonAsciiKeysAreSkippedWithAWarning) {
  auto parsed = parse_login_map(
      "@b\xc3\xbc"
      "cher.example alice\nok@example.org alice\n");
  OwnershipMap map(parsed.entries, {});
  ASSERT_EQ(map.warnings().size(), 1u);
  EXPECT_FALSE(map.check_address("alice", "x@xn--bcher-kva.example").allowed);
  EXPECT_TRUE(map.check_address("alice", "ok@example.org").allowed);
}

TEST(Ownership, AsciiLabelDomainsMatchCaseInsensitively) {
  auto parsed = parse_login_map("@xn--bcher-kva.example alice\n");
  OwnershipMap map(parsed.entries, {});
  EXPECT_TRUE(map.check("alice", "x", "XN--BCHER-KVA.example").allowed);
}

}  // namespace
}  // namespace postern
