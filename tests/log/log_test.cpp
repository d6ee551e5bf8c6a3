// Log lines: key=value format, masking of untrusted values, levels.
#include "common/log/log.h"

#include <gtest/gtest.h>
#include <syslog.h>

#include "common/log/factory.h"

namespace postern {
namespace {

TEST(Log, FormatsOneKeyValueLine) {
  auto sink = std::make_shared<MemorySink>();
  Logger log(sink);
  LogLine(log, LogLevel::info, "policy")
      .kv("queue_id", "4Yq2")
      .kv("client", "192.0.2.7")
      .kv("count", 3)
      .kv("ok", true);
  EXPECT_EQ(sink->text(), "policy queue_id=4Yq2 client=192.0.2.7 count=3 ok=yes\n");
}

TEST(Log, UntrustedValuesCannotForgeLinesOrPairs) {
  auto sink = std::make_shared<MemorySink>();
  Logger log(sink);
  LogLine(log, LogLevel::info, "policy")
      .kv("helo", "evil\r\npolicy action=DUNNO")
      .kv("sender", std::string("a\0b", 3));
  std::string t = sink->text();
  EXPECT_EQ(t.find('\r'), std::string::npos);
  EXPECT_EQ(t.find('\n'), t.size() - 1) << t;
  EXPECT_NE(t.find("helo=\"evil\\x0d\\x0apolicy action=DUNNO\""), std::string::npos) << t;
  EXPECT_NE(t.find("sender=a\\x00b"), std::string::npos) << t;
}

TEST(Log, LogSafeQuotesEscapesAndCuts) {
  EXPECT_EQ(log_safe("plain"), "plain");
  EXPECT_EQ(log_safe(""), "\"\"");
  EXPECT_EQ(log_safe("two words"), "\"two words\"");
  EXPECT_EQ(log_safe("a\"b"), "\"a\\\"b\"");
  EXPECT_EQ(log_safe("\xff"), "\\xff");
  EXPECT_EQ(log_safe(std::string(300, 'x'), 10), std::string(10, 'x') + "...");
}

TEST(Log, LevelsFilter) {
  auto sink = std::make_shared<MemorySink>();
  Logger log(sink, LogLevel::warning);
  LogLine(log, LogLevel::info, "quiet").kv("a", "b");
  LogLine(log, LogLevel::error, "loud").kv("a", "b");
  EXPECT_EQ(sink->text(), "loud a=b\n");
}

// [log] facility arrives as an enum (parsed once by the config reader); each maps to its syslog.h
// constant.
TEST(Log, FacilitiesMapToSyslogConstants) {
  EXPECT_EQ(syslog_facility(LogFacility::mail), LOG_MAIL);
  EXPECT_EQ(syslog_facility(LogFacility::daemon), LOG_DAEMON);
  EXPECT_EQ(syslog_facility(LogFacility::auth), LOG_AUTH);
  EXPECT_EQ(syslog_facility(LogFacility::user), LOG_USER);
  EXPECT_EQ(syslog_facility(LogFacility::local0), LOG_LOCAL0);
  EXPECT_EQ(syslog_facility(LogFacility::local3), LOG_LOCAL3);
  EXPECT_EQ(syslog_facility(LogFacility::local7), LOG_LOCAL7);
}

// The configured level is the logger's threshold, with no string in between.
TEST(Log, LoggerFromConfigFiltersBelowTheConfiguredLevel) {
  LogConfig config;
  config.level = LogLevel::warning;
  auto log = make_logger(config, "log_test", /*force_stderr=*/true);
  EXPECT_FALSE(log->enabled(LogLevel::info));
  EXPECT_TRUE(log->enabled(LogLevel::warning));
  EXPECT_TRUE(log->enabled(LogLevel::error));
  config.level = LogLevel::debug;
  EXPECT_TRUE(make_logger(config, "log_test", true)->enabled(LogLevel::debug));
}

}  // namespace
}  // namespace postern
