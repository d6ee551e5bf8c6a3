// Implements make_logger. Contract in factory.h.
#include "common/log/factory.h"

#include <syslog.h>

namespace postern {

int syslog_facility(const std::string& name) {
  if (name == "mail") return LOG_MAIL;
  if (name == "daemon") return LOG_DAEMON;
  if (name == "auth") return LOG_AUTH;
  if (name == "user") return LOG_USER;
  if (name.size() == 6 && name.rfind("local", 0) == 0 && name[5] >= '0' && name[5] <= '7') {
    static const int locals[] = {LOG_LOCAL0, LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3,
                                 LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7};
    return locals[name[5] - '0'];
  }
  return -1;
}

LogLevel parse_log_level(const std::string& name) {
  if (name == "debug") return LogLevel::debug;
  if (name == "notice") return LogLevel::notice;
  if (name == "warning") return LogLevel::warning;
  if (name == "error") return LogLevel::error;
  return LogLevel::info;
}

std::shared_ptr<Logger> make_logger(const LogConfig& config, const std::string& ident, bool force_stderr) {
  std::shared_ptr<LogSink> sink;
  if (force_stderr || config.destination == LogDestination::standard_error) {
    sink = make_stderr_sink(ident);
  } else {
    int fac = syslog_facility(config.facility);
    sink = make_syslog_sink(ident, fac < 0 ? LOG_MAIL : fac);
  }
  return std::make_shared<Logger>(sink, parse_log_level(config.level));
}

}  // namespace postern
