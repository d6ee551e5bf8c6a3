// Reads the [policyd] section. Contract in policyd_config.h.
#include "common/config/policyd_config.h"

namespace postern {

void read_policyd_config(SectionReader& r, PolicydConfig& c) {
  r.string("socket", c.socket);
  r.string("user", c.user);
  r.string("group", c.group);
}

}  // namespace postern
