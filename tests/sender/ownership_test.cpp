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
                      Case{"alice@example.org", "alice@exampl\xc3\xa9.org", false},     // another IDN
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

TEST(Ownership, ULabelKeysAreTheirALabels) {
  auto parsed = parse_login_map(
      "@b\xc3\xbc"
      "cher.example alice\nok@example.org alice\n");
  OwnershipMap map(parsed.entries, {});
  EXPECT_TRUE(map.warnings().empty());
  EXPECT_TRUE(map.check_address("alice", "x@xn--bcher-kva.example").allowed);
  EXPECT_TRUE(map.check_address("alice",
                                "x@b\xc3\xbc"
                                "cher.example")
                  .allowed);
  EXPECT_TRUE(map.check_address("alice", "ok@example.org").allowed);
}

TEST(Ownership, InvalidIdnKeysAreSkippedWithAWarning) {
  auto parsed = parse_login_map("@xn--bcher-kvb.example alice\nx@ex\xd0\xb0mple.org alice\n");
  OwnershipMap map(parsed.entries, {});
  EXPECT_EQ(map.warnings().size(), 2u);
  EXPECT_EQ(map.size(), 0u);
}

// The login owns alice@bücher.example; every spelling of that name is owned, every look-alike is not.
class IdnOwnership : public ::testing::TestWithParam<Case> {};

TEST_P(IdnOwnership, ComparesValidatedALabels) {
  auto parsed = parse_login_map("alice@xn--bcher-kva.example alice\n");
  OwnershipMap map(parsed.entries, {});
  const Case& c = GetParam();
  auto d = map.check_address(c.login, c.address);
  EXPECT_EQ(d.allowed, c.allowed) << c.address << ": " << d.reason;
}

INSTANTIATE_TEST_SUITE_P(
    Idn, IdnOwnership,
    ::testing::Values(Case{"alice",
                           "alice@b\xc3\xbc"
                           "cher.example",
                           true},                                          // U-label
                      Case{"alice", "alice@xn--bcher-kva.example", true},  // A-label
                      Case{"alice", "alice@XN--BCHER-KVA.EXAMPLE", true},  // A-label, upper case
                      Case{"alice",
                           "alice@bu\xcc\x88"
                           "cher.example",
                           true},                                    // NFD spelling
                      Case{"alice", "alice@bucher.example", false},  // diacritic dropped
                      Case{"alice",
                           "alice@B\xc3\x9c"
                           "CHER.example",
                           false},  // non-ASCII upper case
                      Case{"alice",
                           "alice@b\xc3\xbc"
                           "ch\xd0\xb5r.example",
                           false},                                          // Cyrillic e: mixed
                      Case{"alice", "alice@xn--bcher-kvb.example", false},  // invalid punycode
                      Case{"alice",
                           "alice@b\xef\xbd\x95"
                           "cher.example",
                           false},  // full-width u
                      Case{"alice",
                           "alice@b\xc3\xbc"
                           "cher\xff.example",
                           false}));  // bad UTF-8

TEST(Ownership, CyrillicLookAlikeOfAnAsciiDomainIsNotOwned) {
  auto parsed = parse_login_map("alice@apple.example alice\n");
  OwnershipMap map(parsed.entries, {});
  EXPECT_TRUE(map.check_address("alice", "alice@APPLE.example").allowed);
  // "аррӏе": all Cyrillic, a valid but different name.
  EXPECT_FALSE(map.check_address("alice", "alice@\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.example").allowed);
  EXPECT_FALSE(map.check_address("alice", "alice@xn--80ak6aa92e.example").allowed);
  // Cyrillic 'а' in a Latin label: mixed scripts.
  EXPECT_FALSE(map.check_address("alice", "alice@\xd0\xb0pple.example").allowed);
}

TEST(Ownership, AsciiLabelDomainsMatchCaseInsensitively) {
  auto parsed = parse_login_map("@xn--bcher-kva.example alice\n");
  OwnershipMap map(parsed.entries, {});
  EXPECT_TRUE(map.check("alice", "x", "XN--BCHER-KVA.example").allowed);
}

}  // namespace
}  // namespace postern
