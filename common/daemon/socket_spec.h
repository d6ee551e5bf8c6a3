// listen_on(): binds a listening socket spec (parsed by common/net/socket_spec.h, which this
// header brings in): a unix socket gets the given mode (0660 so only the owner and the group, e.g.
// postfix, can connect) after a stale socket file is removed (never a regular file); an inet
// listener gets SO_REUSEADDR and TCP_NODELAY (accepted sockets inherit it on Linux; delayed ACKs
// would otherwise stall libmilter's replies about 40 ms).
#pragma once

#include "common/core/result.h"
#include "common/net/socket_spec.h"

namespace postern {

// Returns the listening fd (non-blocking, close-on-exec).
Result<int> listen_on(const SocketSpec& spec, int unix_mode = 0660, int backlog = 1024);

}  // namespace postern
