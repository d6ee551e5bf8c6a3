// [log] section. Owned by common/log.
#pragma once
#include <string>

#include "common/config/reader.h"

namespace postern {

enum class LogDestination { syslog, standard_error };  // standard_error: "stderr" (a macro name)
inline constexpr Choice<LogDestination> kLogDestinations[] = {{"syslog", LogDestination::syslog},
                                                              {"stderr", LogDestination::standard_error}};

struct LogConfig {
  LogDestination destination = LogDestination::syslog;
  std::string facility = "mail";  // mail | daemon | local0..local7
  std::string level = "info";     // debug | info | notice | warning | error
  bool operator==(const LogConfig&) const = default;
};

void read_log_config(SectionReader& r, LogConfig& c);

}  // namespace postern
