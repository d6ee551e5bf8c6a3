// Reads the [milter] section. Contract in milter_config.h.
#include "common/config/milter_config.h"

#include "common/net/socket_spec.h"

namespace postern {

void read_milter_config(SectionReader& r, MilterConfig& c) {
  r.string("socket", c.socket, kMaxSocketSpec);
  // The daemon's own parser: what it would refuse at start is an error here (config check, -t).
  if (auto spec = parse_socket_spec(c.socket); !spec) {
    r.error("socket", "\"" + c.socket + "\": " + spec.error().message);
  }
  r.string("user", c.user);
  r.string("group", c.group);
  r.string("authserv_id", c.authserv_id, 255);
  for (char ch : c.authserv_id) {
    if (ch <= ' ' || ch == ';' || ch == '(' || ch == ')' || ch == '"' ||
        static_cast<unsigned char>(ch) >= 0x7f) {
      r.error("authserv_id", "must be a plain token such as mx.example.org");
      break;
    }
  }
  r.duration("message_timeout", c.message_timeout, std::chrono::milliseconds(500),
             std::chrono::milliseconds(120000));
}

}  // namespace postern
