// Implements listen_on. Contract in socket_spec.h.
#include "common/daemon/socket_spec.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "common/net/ip.h"

namespace postern {

Result<int> listen_on(const SocketSpec& spec, int unix_mode, int backlog) {
  if (spec.unix_socket) {
    struct stat st {};
    if (lstat(spec.path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode))
        return Error::perm(spec.path + " exists and is not a socket; not removing it");
      unlink(spec.path.c_str());
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return Error::temp(std::string("socket: ") + std::strerror(errno));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, spec.path.c_str(), spec.path.size() + 1);
    mode_t old = umask(0777 & ~unix_mode);
    int rc = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    umask(old);
    if (rc != 0 || chmod(spec.path.c_str(), static_cast<mode_t>(unix_mode)) != 0 ||
        listen(fd, backlog) != 0) {
      std::string why = std::strerror(errno);
      close(fd);
      return Error::perm("cannot listen on " + spec.str() + ": " + why);
    }
    return fd;
  }
  auto ip = IpAddress::parse(spec.host);
  if (!ip) return Error::perm("bad host " + spec.host);
  sockaddr_storage ss{};
  socklen_t len;
  if (ip->v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(spec.port));
    std::memcpy(&a->sin6_addr, ip->bytes.data(), 16);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(spec.port));
    std::memcpy(&a->sin_addr, ip->bytes.data(), 4);
    len = sizeof *a;
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::temp(std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, backlog) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return Error::perm("cannot listen on " + spec.str() + ": " + why);
  }
  return fd;
}

}  // namespace postern
