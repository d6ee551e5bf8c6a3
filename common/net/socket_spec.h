// Listening socket specs from the config: "unix:/path/to.sock", "inet:HOST:PORT",
// "inet:[IPv6]:PORT". HOST must be an IP address (no name lookups at start-up), PORT 1 to 65535,
// a unix path absolute, shorter than sun_path and free of control characters. Pure parser, bounded
// by kMaxSocketSpec. The one validation for a socket spec: the config reader checks
// [milter] socket and [policyd] socket with it (so `posternctl config check` and `-t` refuse what
// the daemons would), and the daemons parse it again to bind (common/daemon/socket_spec.h).
#pragma once

#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMaxSocketSpec = 256;

struct SocketSpec {
  bool unix_socket = false;
  std::string path;  // unix
  std::string host;  // inet: an IP address
  int port = 0;      // inet
  std::string str() const;
};

Result<SocketSpec> parse_socket_spec(std::string_view text);

}  // namespace postern
