// Strict config parsing: typed keys, ranges, durations, unknown keys and sections, TOML syntax
// errors with line numbers, size limits, and the effective-config round trip.
#include "common/config/config.h"

#include <gtest/gtest.h>

#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

std::string errors_of(const ConfigLoad& r) {
  std::string out;
  for (const auto& e : r.errors) out += e.str() + "\n";
  return out;
}

TEST(Config, EmptyFileGivesDefaults) {
  auto r = parse_config("", "x.conf");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  EXPECT_EQ(r.config.store.backend, "lmdb");
  EXPECT_EQ(r.config.dns.retries, 2);
  EXPECT_EQ(r.config.log.facility, "mail");
}

TEST(Config, ReadsTypedValuesAndDurations) {
  auto r = parse_config(
      "[dns]\nservers = [\"127.0.0.1:5353\", \"[::1]:53\"]\ntimeout = \"250ms\"\nretries = 0\n"
      "[store]\nbackend = \"redis\"\nredis_port = 6380\npurge_interval = 90\n",
      "x.conf");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  EXPECT_EQ(r.config.dns.servers.size(), 2u);
  EXPECT_EQ(r.config.dns.timeout, std::chrono::milliseconds(250));
  EXPECT_EQ(r.config.dns.retries, 0);
  EXPECT_EQ(r.config.store.redis_port, 6380);
  EXPECT_EQ(r.config.store.purge_interval, Seconds(90));
}

struct BadCase {
  const char* text;
  int line;
  const char* key;
  const char* fragment;
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, NameFileLineKeyAndWhatIsAllowed) {
  const BadCase& c = GetParam();
  auto r = parse_config(c.text, "/etc/postern/postern.conf");
  ASSERT_EQ(r.errors.size(), 1u) << errors_of(r);
  const auto& e = r.errors[0];
  EXPECT_EQ(e.file, "/etc/postern/postern.conf");
  EXPECT_EQ(e.line, c.line) << e.str();
  EXPECT_EQ(e.key, c.key) << e.str();
  EXPECT_NE(e.message.find(c.fragment), std::string::npos) << e.str();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ConfigErrors,
    ::testing::Values(
        BadCase{"[log]\nlevel = \"loud\"\n", 2, "log.level", "expected one of debug, info"},
        BadCase{"[log]\n\nbogus = 1\n", 3, "log.bogus", "unknown key"},
        BadCase{"[nosuch]\na = 1\n", 1, "nosuch", "unknown section"},
        BadCase{"[store]\nredis_port = 70000\n", 2, "store.redis_port", "from 1 to 65535"},
        BadCase{"[store]\nredis_port = \"6379\"\n", 2, "store.redis_port", "expected an integer"},
        BadCase{"[store]\npurge_interval = \"5x\"\n", 2, "store.purge_interval", "expected a duration"},
        BadCase{"[store]\npurge_interval = \"1500ms\"\n", 2, "store.purge_interval", "whole seconds"},
        BadCase{"[store]\nlmdb_path = \"relative\"\n", 2, "store.lmdb_path", "absolute"},
        BadCase{"[dns]\nservers = [\"dns.example:53\"]\n", 2, "dns.servers", "IP"},
        BadCase{"[dns]\nservers = \"127.0.0.1\"\n", 2, "dns.servers", "array of strings"},
        BadCase{"[dns]\ntcp_fallback = \"yes\"\n", 2, "dns.tcp_fallback", "true or false"},
        BadCase{"log = 3\n", 1, "log", "expected a table"},
        BadCase{"[log]\nfacility = \"mail\\u0001\"\n", 2, "log.facility", "expected one of"},
        BadCase{"[log]\nlevel = \"info\"\n[log]\n", 3, "", "TOML syntax"},
        BadCase{"[log]\nlevel = \n", 2, "", "TOML syntax"}));

TEST(Config, SeveralErrorsAreAllReported) {
  auto r = parse_config("[log]\nlevel = 1\nx = 2\n[store]\nredis_db = -1\n", "x.conf");
  EXPECT_EQ(r.errors.size(), 3u) << errors_of(r);
}

TEST(Config, RejectsHugeFilesNulBytesAndDeepNesting) {
  std::string huge(kMaxConfigBytes + 1, '#');
  EXPECT_FALSE(parse_config(huge, "x.conf").ok());
  EXPECT_FALSE(parse_config(std::string("[log]\0", 6), "x.conf").ok());
  std::string deep = "a = " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  auto r = parse_config(deep, "x.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.errors[0].message.find("nesting"), std::string::npos) << errors_of(r);
}

TEST(Config, MissingFileIsAClearError) {
  test::TempDir dir;
  auto r = load_config((dir / "absent.conf").string());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].str().find("absent.conf"), std::string::npos);
}

TEST(Config, EffectiveConfigRoundTripsAndHidesSecrets) {
  auto r = parse_config(
      "[store]\nbackend = \"redis\"\nredis_password = \"hunter2\"\n[dns]\ntimeout = \"1500ms\"\n", "x.conf");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  EXPECT_EQ(r.effective.find("hunter2"), std::string::npos);
  auto again = parse_config(r.effective, "effective.conf");
  ASSERT_TRUE(again.ok()) << errors_of(again);
  EXPECT_EQ(again.effective, r.effective);
  EXPECT_EQ(again.config.dns.timeout, std::chrono::milliseconds(1500));
}

}  // namespace
}  // namespace postern
