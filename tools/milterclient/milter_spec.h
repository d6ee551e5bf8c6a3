// Parser for the socket a milter listens on, in the spellings admins already use: our daemons'
// "unix:/path" and "inet:HOST:PORT" / "inet:[IPv6]:PORT" (common/daemon/socket_spec.h), and
// Sendmail/OpenDKIM's "local:/path", "inet:PORT@HOST", "inet6:PORT@HOST". HOST must be an IP
// address or "localhost" (no name lookups). Pure function, input from the command line, bounded by
// kMaxSocketSpec.
#pragma once

#include <string_view>

#include "common/core/result.h"
#include "common/daemon/socket_spec.h"

namespace postern::mta {

Result<SocketSpec> parse_milter_spec(std::string_view text);

}  // namespace postern::mta
