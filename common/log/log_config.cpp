// Reads the [log] section. Contract in log_config.h.
#include "common/log/log_config.h"

namespace postern {

void read_log_config(SectionReader& r, LogConfig& c) {
  r.choice("destination", c.destination, kLogDestinations);
  r.choice("facility", c.facility, kLogFacilities);
  r.choice("level", c.level, kLogLevels);
}

}  // namespace postern
