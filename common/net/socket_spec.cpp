// Implements parse_socket_spec. Contract in socket_spec.h.
#include "common/net/socket_spec.h"

#include <sys/un.h>

#include <charconv>

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

}  // namespace postern
