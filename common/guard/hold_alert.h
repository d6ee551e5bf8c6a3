// The alert mail to the admin when the account guard holds a login: why (every sign with its
// weight and detail), what happens to its mail, and how to release or delete it. Pure function
// building the whole message (LF line ends; sendmail -i takes it as is). The login and details
// pass through log_safe(), so they cannot break the header or add fields.
#pragma once

#include <string>

#include "common/guard/account_guard.h"

namespace postern {

std::string build_hold_alert(const GuardStatus& st, const std::string& to, const std::string& host,
                             int64_t now);

}  // namespace postern
