// Builds the Logger a binary uses from [log]: syslog with the configured facility and the binary's
// ident, or stderr when the config says so. force_stderr is for one-shot runs whose output the
// caller reads (a daemon's -t check); a daemon in the foreground (-f) still logs where [log] says.
// Facility and level arrive as enums, parsed once by the config reader (log_config.h).
#pragma once

#include <memory>
#include <string>

#include "common/log/log.h"
#include "common/log/log_config.h"

namespace postern {

std::shared_ptr<Logger> make_logger(const LogConfig& config, const std::string& ident, bool force_stderr);
// LogFacility::mail -> LOG_MAIL etc.
int syslog_facility(LogFacility facility);

}  // namespace postern
