// Implements parse_milter_spec. Contract in milter_spec.h.
#include "tools/milterclient/milter_spec.h"

#include <string>

namespace postern::mta {

Result<SocketSpec> parse_milter_spec(std::string_view text) {
  if (text.size() > kMaxSocketSpec) return Error::perm("socket spec too long");
  if (text.rfind("local:", 0) == 0) return parse_socket_spec("unix:" + std::string(text.substr(6)));
  bool v6 = text.rfind("inet6:", 0) == 0;
  if (v6 || text.rfind("inet:", 0) == 0) {
    std::string_view rest = text.substr(v6 ? 6 : 5);
    size_t at = rest.find('@');
    if (at != std::string_view::npos) {
      std::string_view port = rest.substr(0, at), host = rest.substr(at + 1);
      std::string h(host);
      if (h == "localhost") h = v6 ? "::1" : "127.0.0.1";
      if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
      return parse_socket_spec("inet:[" + h + "]:" + std::string(port));
    }
    if (v6) return Error::perm("expected inet6:PORT@HOST");
    size_t colon = rest.rfind(':');
    if (colon != std::string_view::npos && rest.substr(0, colon) == "localhost") {
      return parse_socket_spec("inet:127.0.0.1:" + std::string(rest.substr(colon + 1)));
    }
  }
  return parse_socket_spec(text);
}

}  // namespace postern::mta
