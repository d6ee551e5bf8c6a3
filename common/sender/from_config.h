// Maps the [sender] config section to the ownership provider's sources and options.
#pragma once

#include "common/sender/provider.h"
#include "common/sender/sender_config.h"

namespace postern {

inline OwnershipSources ownership_sources(const SenderConfig& c) {
  OwnershipSources s;
  s.map_files = c.login_maps;
  s.sqlite_path = c.sqlite_path;
  s.options.local_part_case_insensitive = c.local_part_case_insensitive;
  s.options.recipient_delimiter = c.recipient_delimiter;
  s.options.exempt_logins = c.exempt_logins;
  s.check_interval = c.reload_check_interval;
  return s;
}

}  // namespace postern
