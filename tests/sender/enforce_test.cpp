// The spoofing matrix: an authenticated user (alice@example.org, who may also send as
// sales@example.org) tries to pass as someone else through the envelope, From: and Sender:.
#include "common/sender/enforce.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

OwnershipMap alice_map() {
  auto parsed =
      parse_login_map("sales@example.org alice@example.org\n@lists.example.org alice@example.org\n");
  return OwnershipMap(parsed.entries, {});
}

struct HeaderCase {
  const char* name;
  std::vector<std::string> from;
  std::vector<std::string> sender;
  bool allowed;
};

class HeaderSpoofing : public ::testing::TestWithParam<HeaderCase> {};

TEST_P(HeaderSpoofing, Decides) {
  auto map = alice_map();
  const auto& c = GetParam();
  auto v = check_header_senders(map, "alice@example.org", c.from, c.sender);
  EXPECT_EQ(v.allowed, c.allowed) << c.name << ": " << v.reason;
  if (!v.allowed) {
    EXPECT_EQ(v.rcode, "550");
    EXPECT_EQ(v.xcode, "5.7.1");
    EXPECT_FALSE(v.text.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, HeaderSpoofing,
    ::testing::Values(
        HeaderCase{"own address", {"alice@example.org"}, {}, true},
        HeaderCase{"own with display name", {"Alice <alice@example.org>"}, {}, true},
        HeaderCase{"domain case", {"alice@EXAMPLE.org"}, {}, true},
        HeaderCase{"plus address", {"alice+news@example.org"}, {}, true},
        HeaderCase{"alias she may use", {"Sales <sales@example.org>"}, {}, true},
        HeaderCase{"domain entry", {"anything@lists.example.org"}, {}, true},
        HeaderCase{"own From and own Sender", {"sales@example.org"}, {"alice@example.org"}, true},
        HeaderCase{"quoted own local part", {"\"alice\"@example.org"}, {}, true},
        HeaderCase{"comment around own", {"alice@example.org (Alice)"}, {}, true},
        HeaderCase{"someone else", {"ceo@example.org"}, {}, false},
        HeaderCase{"local part case", {"Alice@example.org"}, {}, false},
        HeaderCase{"display name holds own address", {"\"alice@example.org\" <ceo@example.org>"}, {}, false},
        HeaderCase{
            "display name with angle form", {"\"Alice <alice@example.org>\" <ceo@example.org>"}, {}, false},
        HeaderCase{"unquoted address in display name", {"alice@example.org <ceo@example.org>"}, {}, false},
        HeaderCase{"composition kills", {"<alice@example.org>@evil.example"}, {}, false},
        HeaderCase{"composition kills reversed", {"<ceo@example.org>@example.org"}, {}, false},
        HeaderCase{"second address in list", {"alice@example.org, ceo@example.org"}, {}, false},
        HeaderCase{"group with a foreign member", {"Team: alice@example.org, ceo@example.org;"}, {}, false},
        HeaderCase{"empty group", {"undisclosed-recipients:;"}, {}, false},
        HeaderCase{"two From fields", {"alice@example.org", "ceo@example.org"}, {}, false},
        HeaderCase{"two own From fields", {"alice@example.org", "alice@example.org"}, {}, false},
        HeaderCase{"no From field", {}, {}, false}, HeaderCase{"empty From", {""}, {}, false},
        HeaderCase{"own From, foreign Sender", {"alice@example.org"}, {"ceo@example.org"}, false},
        HeaderCase{
            "two Sender fields", {"alice@example.org"}, {"alice@example.org", "alice@example.org"}, false},
        HeaderCase{"quoted local part with @", {"\"alice@example.org\"@evil.example"}, {}, false},
        HeaderCase{"comment hides nothing", {"ceo@example.org (alice@example.org)"}, {}, false},
        HeaderCase{"IDN look-alike", {"alice@ex\xc3\xa4mple.org"}, {}, false},
        HeaderCase{"punycode of another domain", {"alice@xn--exmple-cua.org"}, {}, false},
        HeaderCase{"subdomain", {"alice@mail.example.org"}, {}, false},
        HeaderCase{"suffix trick", {"alice@example.org.evil.example"}, {}, false},
        HeaderCase{"unbalanced bracket", {"Alice <alice@example.org"}, {}, false},
        HeaderCase{"unbalanced quote", {"\"Alice <alice@example.org>"}, {}, false},
        HeaderCase{
            "encoded word display", {"=?UTF-8?B?YWxpY2VAZXhhbXBsZS5vcmc=?= <ceo@example.org>"}, {}, false},
        HeaderCase{"route to own", {"<@example.org:ceo@evil.example>"}, {}, false}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (auto& c : n) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(EnvelopeSpoofing, Decides) {
  auto map = alice_map();
  SenderConfig c;
  auto check = [&](const std::string& env) {
    return check_envelope_sender(map, c, "alice@example.org", env);
  };
  EXPECT_TRUE(check("<alice@example.org>").allowed);
  EXPECT_TRUE(check("<alice+x@example.org>").allowed);
  EXPECT_TRUE(check("<sales@example.org>").allowed);
  auto v = check("<ceo@example.org>");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rcode, "553");
  EXPECT_NE(v.text.find("ceo@example.org"), std::string::npos);
  EXPECT_FALSE(check("<ALICE@example.org>").allowed);
  EXPECT_FALSE(check("<alice@ex\xc3\xa4mple.org>").allowed);
  EXPECT_FALSE(check("<a@b@example.org>").allowed);
  EXPECT_FALSE(check("<>").allowed);
  c.null_sender = NullSender::allow;
  EXPECT_TRUE(check("<>").allowed);
}

TEST(IdnSpoofing, RepliesNameTheALabel) {
  auto parsed = parse_login_map("alice@xn--bcher-kva.example alice@example.org\n");
  OwnershipMap map(parsed.entries, {});
  SenderConfig c;
  EXPECT_TRUE(check_envelope_sender(map, c, "alice@example.org",
                                    "<alice@b\xc3\xbc"
                                    "cher.example>")
                  .allowed);
  EXPECT_TRUE(check_header_senders(map, "alice@example.org",
                                   {"Alice <alice@B\xc3\xbc"
                                    "cher.example>"},
                                   {})
                  .allowed);
  // Cyrillic 'е' in the label: mixed scripts, not owned; the reply names the address as written.
  auto v = check_envelope_sender(map, c, "alice@example.org",
                                 "<alice@b\xc3\xbc"
                                 "ch\xd0\xb5r.example>");
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.rcode, "553");
  EXPECT_NE(v.text.find("alice@b??ch??r.example"), std::string::npos) << v.text;
  // All-Cyrillic "аррӏе" is a valid name: the reply shows its A-label, which differs visibly.
  v = check_header_senders(map, "alice@example.org",
                           {"alice@\xd0\xb0\xd1\x80\xd1\x80\xd3\x8f\xd0\xb5.example"}, {});
  EXPECT_FALSE(v.allowed);
  EXPECT_NE(v.text.find("<alice@xn--80ak6aa92e.example>"), std::string::npos) << v.text;
}

TEST(EnvelopeSpoofing, ReplyTextIsPrintableAscii) {
  auto map = alice_map();
  SenderConfig c;
  auto v = check_envelope_sender(map, c, "alice@example.org\r\n250 ok", "<ceo@example.org>");
  for (unsigned char ch : v.text) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f);
}

}  // namespace
}  // namespace postern
