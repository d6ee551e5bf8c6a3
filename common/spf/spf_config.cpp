// Reads the [spf] section. Contract in spf_config.h.
#include "common/spf/spf_config.h"

namespace postern {

void read_spf_config(SectionReader& r, SpfConfig& c) {
  r.boolean("enabled", c.enabled);
  r.choice("fail_action", c.fail_action, kSpfFailActions);
  r.boolean("received_spf_header", c.received_spf_header);
}

}  // namespace postern
