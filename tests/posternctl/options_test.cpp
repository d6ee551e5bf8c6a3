// posternctl's option parser (tools/posternctl/options.h): numbers, choices, flags, values,
// positional counts and limits, as tables of command lines and the expected outcome.
#include "tools/posternctl/options.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace postern::ctl {
namespace {

ArgSpec spec() {
  ArgSpec s;
  s.options = {
      {"--limit", "N", "", NumberRange{1, 1000000}, {}, false, ""},
      {"--type", "TYPE", "", std::nullopt, {"rsa", "ed25519"}, false, ""},
      {"--ip", "IP", "", std::nullopt, {}, true, ""},
      {"--config", "FILE", "", std::nullopt, {}, false, "-c"},
      {"--check", "", "", std::nullopt, {}, false, ""},
  };
  s.min_positional = 0;
  s.max_positional = 1;
  return s;
}

struct Bad {
  std::vector<std::string> args;
  std::string error;  // a part of the message
};

TEST(CtlOptions, BadCommandLinesAreErrorsNamingTheWord) {
  const std::vector<Bad> cases = {
      {{"--limit", "abc"}, "--limit: \"abc\" is not a number"},
      {{"--limit", "99999999999999999999"}, "--limit: \"99999999999999999999\" is out of range 1..1000000"},
      {{"--limit", "18446744073709551616"}, "out of range"},
      {{"--limit", "-1"}, "--limit: \"-1\" is not a number"},
      {{"--limit", "1e3"}, "is not a number"},
      {{"--limit", "0x10"}, "is not a number"},
      {{"--limit", "+5"}, "is not a number"},
      {{"--limit", " 5"}, "is not a number"},
      {{"--limit", "5 "}, "is not a number"},
      {{"--limit", ""}, "is not a number (empty)"},
      {{"--limit", "0"}, "out of range 1..1000000"},
      {{"--limit", "1000001"}, "out of range"},
      {{"--limit=abc"}, "--limit: \"abc\" is not a number"},
      {{"--limit"}, "missing value for --limit"},
      {{"--limit", "5", "--limit", "6"}, "--limit given more than once"},
      {{"--type", "dsa"}, "--type: \"dsa\" is not one of rsa, ed25519"},
      {{"--type", "RSA"}, "is not one of"},
      {{"--check=yes"}, "--check takes no value"},
      {{"--frob"}, "unknown option \"--frob\""},
      {{"--frob=1"}, "unknown option \"--frob\""},
      {{"-x"}, "unknown option \"-x\""},
      {{"a", "b"}, "unexpected argument \"b\""},
      {{"a", "--", "-b"}, "unexpected argument \"-b\""},
      {{std::string(kMaxArgBytes + 1, 'a')}, "too long"},
      {{"--ip", std::string(kMaxArgBytes + 1, 'a')}, "too long"},
      {{"--limit", std::string("1\0", 2)}, "is not a number"},
      {{"-\x1b[31m"}, "unknown option \"-?[31m\""},
  };
  for (const auto& c : cases) {
    auto r = parse_args(c.args, spec());
    ASSERT_FALSE(r) << c.args[0];
    EXPECT_NE(r.error().message.find(c.error), std::string::npos)
        << "got: " << r.error().message << "\nwanted: " << c.error;
  }
}

TEST(CtlOptions, TooManyArgumentsIsAnError) {
  std::vector<std::string> many(kMaxArgs + 1, "--check");
  auto r = parse_args(many, spec());
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("too many arguments"), std::string::npos);
}

TEST(CtlOptions, GoodCommandLines) {
  auto r = parse_args(std::vector<std::string>{"--limit", "0000042", "--type=ed25519", "-c", "/etc/x.conf",
                                               "--ip", "192.0.2.1", "--ip=::1", "--check", "file"},
                      spec());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->number("--limit", 7), 42u);
  EXPECT_EQ(r->value("--type"), "ed25519");
  EXPECT_EQ(r->value("--config"), "/etc/x.conf") << "-c is an alias of --config";
  EXPECT_EQ(r->values("--ip"), (std::vector<std::string>{"192.0.2.1", "::1"}));
  EXPECT_TRUE(r->has("--check"));
  EXPECT_EQ(r->positional, std::vector<std::string>{"file"});
  EXPECT_EQ(r->consumed, 10u);

  auto defaults = parse_args(std::vector<std::string>{}, spec());
  ASSERT_TRUE(defaults);
  EXPECT_EQ(defaults->number("--limit", 7), 7u);
  EXPECT_EQ(defaults->value("--type", "rsa"), "rsa");
  EXPECT_FALSE(defaults->has("--check"));
  EXPECT_TRUE(defaults->values("--ip").empty());

  // "-" is standard input, and "--" ends the options.
  auto dash = parse_args(std::vector<std::string>{"-"}, spec());
  ASSERT_TRUE(dash);
  EXPECT_EQ(dash->positional, std::vector<std::string>{"-"});
  auto end = parse_args(std::vector<std::string>{"--", "--limit"}, spec());
  ASSERT_TRUE(end);
  EXPECT_EQ(end->positional, std::vector<std::string>{"--limit"});
  // A value may look like anything, even an option name (it is checked by the option's rules).
  auto v = parse_args(std::vector<std::string>{"--config", "--check"}, spec());
  ASSERT_TRUE(v);
  EXPECT_EQ(v->value("--config"), "--check");
}

TEST(CtlOptions, MissingPositional) {
  ArgSpec s = spec();
  s.min_positional = 1;
  auto r = parse_args(std::vector<std::string>{"--check"}, s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "missing argument");
}

TEST(CtlOptions, StopAtPositionalLeavesTheRest) {
  ArgSpec s = spec();
  s.stop_at_positional = true;
  auto r = parse_args(std::vector<std::string>{"-c", "x.conf", "greylist", "list", "--bogus"}, s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->consumed, 2u);
  EXPECT_TRUE(r->positional.empty());
  auto bad = parse_args(std::vector<std::string>{"--bogus", "greylist"}, s);
  EXPECT_FALSE(bad);
}

TEST(CtlOptions, DecimalNumbers) {
  EXPECT_EQ(*parse_decimal("0", {0, 10}), 0u);
  EXPECT_FALSE(parse_decimal("18446744073709551615", {0, UINT64_MAX})) << "20 digits: over kMaxNumberDigits";
  EXPECT_EQ(*parse_decimal("9999999999999999999", {0, UINT64_MAX}), 9999999999999999999u);
  EXPECT_EQ(*parse_decimal("00000000000000000000000010", {0, 10}), 10u) << "leading zeros do not count";
  EXPECT_FALSE(parse_decimal("11", {0, 10}));
  EXPECT_FALSE(parse_decimal("4", {5, 10}));
  EXPECT_FALSE(parse_decimal("٣", {0, 10})) << "ASCII digits only";
}

}  // namespace
}  // namespace postern::ctl
