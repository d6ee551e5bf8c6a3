// [auth] section. Owned by the auth component; extend the struct and read_auth_config together.
#pragma once
#include <string>

#include "common/config/reader.h"

namespace postern {

struct AuthConfig {
  bool enabled = true;
};

void read_auth_config(SectionReader& r, AuthConfig& c);

}  // namespace postern
