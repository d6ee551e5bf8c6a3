// Reads the [log] section. Contract in log_config.h.
#include "common/log/log_config.h"

namespace postern {

void read_log_config(SectionReader& r, LogConfig& c) {
  r.choice("destination", c.destination, kLogDestinations);
  r.choice("facility", c.facility,
           {"mail", "daemon", "auth", "user", "local0", "local1", "local2", "local3", "local4", "local5",
            "local6", "local7"});
  r.choice("level", c.level, {"debug", "info", "notice", "warning", "error"});
}

}  // namespace postern
