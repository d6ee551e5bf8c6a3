// [log] section. Owned by common/log.
#pragma once
#include <string>

#include "common/config/reader.h"

namespace postern {

struct LogConfig {
  std::string destination = "syslog";  // syslog | stderr
  std::string facility = "mail";       // mail | daemon | local0..local7
  std::string level = "info";          // debug | info | notice | warning | error
  bool operator==(const LogConfig&) const = default;
};

void read_log_config(SectionReader& r, LogConfig& c);

}  // namespace postern
