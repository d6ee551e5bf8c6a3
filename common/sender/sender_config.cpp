// Reads the [sender] section. Contract in sender_config.h.
#include "common/sender/sender_config.h"

namespace postern {

void read_sender_config(SectionReader& r, SenderConfig& c) {
  r.boolean("enabled", c.enabled);
  r.choice("mode", c.mode, kSenderModes);
  r.strings("login_maps", c.login_maps, 64, 1024);
  for (const auto& p : c.login_maps) {
    if (p.empty() || p[0] != '/') r.error("login_maps", "\"" + p + "\": must be an absolute path");
  }
  r.string("sqlite_path", c.sqlite_path, 1024);
  if (!c.sqlite_path.empty() && c.sqlite_path[0] != '/') r.error("sqlite_path", "must be an absolute path");
  r.boolean("local_part_case_insensitive", c.local_part_case_insensitive);
  r.string("recipient_delimiter", c.recipient_delimiter, 8);
  r.strings("exempt_logins", c.exempt_logins, 1024, 320);
  r.choice("null_sender", c.null_sender, kNullSenders);
  r.duration("reload_check_interval", c.reload_check_interval, Seconds(1), Seconds(3600));
  r.strings("local_domains", c.local_domains, 10000, 253);
  r.choice("outside_action", c.outside_action, kOutsideActions);
}

}  // namespace postern
