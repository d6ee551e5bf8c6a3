// Listening socket specs from the config: "unix:/path/to.sock", "inet:HOST:PORT",
// "inet:[IPv6]:PORT". HOST must be an IP address (no name lookups at start-up). Pure parser,
// bounded by kMaxSocketSpec; listen_on() binds it: a unix socket gets the given mode (0660 so only
// the owner and the group, e.g. postfix, can connect) after a stale socket file is removed (never
// a regular file); an inet listener gets SO_REUSEADDR and TCP_NODELAY (accepted sockets inherit
// it on Linux; see DESIGN.md on delayed ACKs).
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
// Returns the listening fd (non-blocking, close-on-exec).
Result<int> listen_on(const SocketSpec& spec, int unix_mode = 0660, int backlog = 1024);

}  // namespace postern
