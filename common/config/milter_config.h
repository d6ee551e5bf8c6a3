// [milter] section. Owned by the milter component; extend the struct and read_milter_config together.
#pragma once
#include <string>

#include "common/config/reader.h"

namespace postern {

struct MilterConfig {
  std::string socket = "unix:/var/spool/postfix/postern/milter.sock";  // unix:PATH or inet:HOST:PORT
  std::string user = "postern";  // privileges dropped to this user after binding
  std::string group = "postern";
};

void read_milter_config(SectionReader& r, MilterConfig& c);

}  // namespace postern
