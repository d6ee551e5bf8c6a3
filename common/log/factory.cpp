// Implements make_logger. Contract in factory.h.
#include "common/log/factory.h"

#include <syslog.h>

namespace postern {

int syslog_facility(LogFacility facility) {
  switch (facility) {
    case LogFacility::mail:
      return LOG_MAIL;
    case LogFacility::daemon:
      return LOG_DAEMON;
    case LogFacility::auth:
      return LOG_AUTH;
    case LogFacility::user:
      return LOG_USER;
    case LogFacility::local0:
      return LOG_LOCAL0;
    case LogFacility::local1:
      return LOG_LOCAL1;
    case LogFacility::local2:
      return LOG_LOCAL2;
    case LogFacility::local3:
      return LOG_LOCAL3;
    case LogFacility::local4:
      return LOG_LOCAL4;
    case LogFacility::local5:
      return LOG_LOCAL5;
    case LogFacility::local6:
      return LOG_LOCAL6;
    case LogFacility::local7:
      return LOG_LOCAL7;
  }
  return LOG_MAIL;
}

std::shared_ptr<Logger> make_logger(const LogConfig& config, const std::string& ident, bool force_stderr) {
  std::shared_ptr<LogSink> sink;
  if (force_stderr || config.destination == LogDestination::standard_error) {
    sink = make_stderr_sink(ident);
  } else {
    sink = make_syslog_sink(ident, syslog_facility(config.facility));
  }
  return std::make_shared<Logger>(sink, config.level);
}

}  // namespace postern
