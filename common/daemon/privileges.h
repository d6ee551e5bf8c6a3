// drop_privileges: after binding, a daemon started as root becomes user:group (initgroups,
// setgid, setuid) and verifies that it cannot become root again. Not root: nothing to do.
#pragma once

#include <string>

#include "common/core/result.h"

namespace postern {

// Returns a short description of what happened ("running as postern:postern", "not root: kept uid 1000").
Result<std::string> drop_privileges(const std::string& user, const std::string& group);

}  // namespace postern
