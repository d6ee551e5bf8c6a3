// Implements parse_socket_spec and listen_on. Contract in socket_spec.h.
#include "common/daemon/socket_spec.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "common/net/ip.h"

namespace postern {

std::string SocketSpec::str() const {
  if (unix_socket) return "unix:" + path;
  return "inet:" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

Result<SocketSpec> parse_socket_spec(std::string_view text) {
  if (text.size() > kMaxSocketSpec) return Error::perm("socket spec too long");
  SocketSpec s;
  if (text.rfind("unix:", 0) == 0) {
    s.unix_socket = true;
    s.path = std::string(text.substr(5));
    if (s.path.empty() || s.path[0] != '/') return Error::perm("unix socket path must be absolute");
    if (s.path.size() >= sizeof(sockaddr_un::sun_path)) return Error::perm("unix socket path too long");
    for (unsigned char c : s.path) {
      if (c < 0x20 || c == 0x7f) return Error::perm("control character in socket path");
    }
    return s;
  }
  if (text.rfind("inet:", 0) != 0) return Error::perm("expected unix:/PATH or inet:HOST:PORT");
  std::string_view rest = text.substr(5);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos) return Error::perm("expected inet:HOST:PORT");
  std::string_view host = rest.substr(0, colon), port = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  auto ip = IpAddress::parse(host);
  if (!ip) return Error::perm("inet host must be an IP address");
  int p = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (ec != std::errc() || ptr != port.data() + port.size() || p < 1 || p > 65535) {
    return Error::perm("port must be 1 to 65535");
  }
  s.host = ip->str();
  s.port = p;
  return s;
}

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
