// Loopback helpers for tests: free ports chosen at run time, and readiness checks that poll a
// condition until a deadline (waiting for a server to come up, never for time to pass).
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace postern::test {

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, then released).
int free_tcp_port();
// A UDP+TCP port pair-free port: free for both UDP and TCP on 127.0.0.1 (for DNS servers).
int free_udp_tcp_port();
// A TCP connection to 127.0.0.1:port (blocking, close-on-exec), or -1.
int connect_loopback(int port);
// True once a TCP connect to 127.0.0.1:port succeeds, false if timeout passes first.
bool wait_for_tcp(int port, std::chrono::milliseconds timeout = std::chrono::seconds(20));
// A connection to the unix socket at path (blocking, close-on-exec), or -1.
int connect_unix(const std::string& path);
// True once a unix socket at path accepts a connection.
bool wait_for_unix(const std::string& path, std::chrono::milliseconds timeout = std::chrono::seconds(20));
// Polls pred every few milliseconds until it holds or timeout passes.
bool wait_until(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace postern::test
