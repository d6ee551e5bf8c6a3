// Reads the [milter] section. Contract in milter_config.h.
#include "common/config/milter_config.h"

namespace postern {

void read_milter_config(SectionReader& r, MilterConfig& c) {
  r.string("socket", c.socket);
  r.string("user", c.user);
  r.string("group", c.group);
}

}  // namespace postern
