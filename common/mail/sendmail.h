// send_with_sendmail: hands one message to the local MTA through its sendmail command
// ("/usr/sbin/sendmail -i -f FROM -- TO", Postfix's or any compatible one), for the alerts the
// daemons send to the admin. The message is written on the command's standard input; nothing is
// read from it. Bounded: the command gets `timeout` to take the message and exit, then it is
// killed (SIGKILL) and the send is an error. Blocking (the caller decides on which thread). The
// path comes from the admin's config and is run as is (execv, no shell); addresses are passed as
// separate arguments after "--", so they cannot become options.
#pragma once

#include <chrono>
#include <string>

#include "common/core/result.h"

namespace postern {

Result<void> send_with_sendmail(const std::string& sendmail, const std::string& from, const std::string& to,
                                const std::string& message, std::chrono::milliseconds timeout);

}  // namespace postern
