// Reads the [auth] section. Contract in auth_config.h.
#include "common/config/auth_config.h"

namespace postern {

void read_auth_config(SectionReader& r, AuthConfig& c) { r.boolean("enabled", c.enabled); }

}  // namespace postern
