// Implements the loopback helpers. Contract in net.h.
#include "tests/harness/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <thread>

namespace postern::test {
namespace {

int bound_port(int type, int port) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  int result = -1;
  if (rc == 0) {
    socklen_t len = sizeof a;
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    result = ntohs(a.sin_port);
  }
  close(fd);
  return result;
}

}  // namespace

int free_tcp_port() {
  int p = bound_port(SOCK_STREAM, 0);
  if (p <= 0) throw std::runtime_error("no free TCP port");
  return p;
}

int free_udp_tcp_port() {
  for (int i = 0; i < 100; ++i) {
    int p = bound_port(SOCK_DGRAM, 0);
    if (p > 0 && bound_port(SOCK_STREAM, p) == p) return p;
  }
  throw std::runtime_error("no free UDP+TCP port");
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool wait_for_tcp(int port, std::chrono::milliseconds timeout) {
  return wait_until(
      [port] {
        int fd = connect_loopback(port);
        if (fd < 0) return false;
        close(fd);
        return true;
      },
      timeout);
}

int connect_unix(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) return -1;
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool wait_for_unix(const std::string& path, std::chrono::milliseconds timeout) {
  return wait_until(
      [&path] {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        if (path.size() >= sizeof a.sun_path) return false;
        std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
        bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
        close(fd);
        return ok;
      },
      timeout);
}

}  // namespace postern::test
