// [log] section: where log lines go (syslog or stderr), the syslog facility and the lowest level
// written. Every value is a choice parsed once into an enum by the config reader; the logger
// (common/log/factory.h) switches on the enums. Owned by common/log.
#pragma once
#include <string>

#include "common/config/reader.h"
#include "common/log/log.h"

namespace postern {

enum class LogDestination { syslog, standard_error };  // standard_error: "stderr" (a macro name)
inline constexpr Choice<LogDestination> kLogDestinations[] = {{"syslog", LogDestination::syslog},
                                                              {"stderr", LogDestination::standard_error}};

// The syslog facilities a mail daemon may log under (syslog.h's LOG_MAIL, ...; the names are
// syslog's without the LOG_ prefix, lower case).
enum class LogFacility {
  mail,
  daemon,
  auth,
  user,
  local0,
  local1,
  local2,
  local3,
  local4,
  local5,
  local6,
  local7
};
inline constexpr Choice<LogFacility> kLogFacilities[] = {
    {"mail", LogFacility::mail},     {"daemon", LogFacility::daemon}, {"auth", LogFacility::auth},
    {"user", LogFacility::user},     {"local0", LogFacility::local0}, {"local1", LogFacility::local1},
    {"local2", LogFacility::local2}, {"local3", LogFacility::local3}, {"local4", LogFacility::local4},
    {"local5", LogFacility::local5}, {"local6", LogFacility::local6}, {"local7", LogFacility::local7}};
inline constexpr Choice<LogLevel> kLogLevels[] = {{"debug", LogLevel::debug},
                                                  {"info", LogLevel::info},
                                                  {"notice", LogLevel::notice},
                                                  {"warning", LogLevel::warning},
                                                  {"error", LogLevel::error}};
inline std::string_view to_string(LogFacility v) { return choice_name(v, kLogFacilities); }
inline std::string_view to_string(LogLevel v) { return choice_name(v, kLogLevels); }

struct LogConfig {
  LogDestination destination = LogDestination::syslog;
  LogFacility facility = LogFacility::mail;
  LogLevel level = LogLevel::info;  // lines below this level are not written
  bool operator==(const LogConfig&) const = default;
};

void read_log_config(SectionReader& r, LogConfig& c);

}  // namespace postern
