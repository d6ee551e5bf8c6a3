// run_sendmail: hands one message to the configured sendmail program (Postfix's sendmail queues it
// and retries delivery): PROGRAM -i -f FROM -- TO, the message on standard input, no shell, an
// environment of PATH only. Success is exit status 0; otherwise the error carries the status and
// the first kMaxSendmailOutput bytes the program printed. Blocks until the program exits.
#pragma once

#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxSendmailOutput = 2048;

Result<void> run_sendmail(const std::string& program, const std::string& from, const std::string& to,
                          std::string_view message);

}  // namespace postern
