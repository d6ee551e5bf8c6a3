// Builds the Logger a binary uses from [log]: syslog with the configured facility and the binary's
// ident, or stderr when the config says so. force_stderr is for one-shot runs whose output the
// caller reads (a daemon's -t check); a daemon in the foreground (-f) still logs where [log] says.
#pragma once

#include <memory>
#include <string>

#include "common/log/log_config.h"
#include "common/log/log.h"

namespace postern {

std::shared_ptr<Logger> make_logger(const LogConfig& config, const std::string& ident, bool force_stderr);
// "mail" -> LOG_MAIL etc.; -1 for an unknown name.
int syslog_facility(const std::string& name);
LogLevel parse_log_level(const std::string& name);  // unknown names read as info

}  // namespace postern
