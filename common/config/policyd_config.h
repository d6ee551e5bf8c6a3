// [policyd] section. Owned by the policyd component; extend the struct and read_policyd_config together.
#pragma once
#include <string>

#include "common/config/reader.h"

namespace postern {

struct PolicydConfig {
  std::string socket = "unix:/var/spool/postfix/postern/policy.sock";  // unix:PATH or inet:HOST:PORT
  std::string user = "postern";  // privileges dropped to this user after binding
  std::string group = "postern";
};

void read_policyd_config(SectionReader& r, PolicydConfig& c);

}  // namespace postern
