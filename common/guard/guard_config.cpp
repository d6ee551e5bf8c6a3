// Reads [account_guard]. Contract in guard_config.h.
#include "common/guard/guard_config.h"

namespace postern {

void read_guard_config(SectionReader& r, AccountGuardConfig& c) {
  using std::chrono::seconds;
  r.boolean("enabled", c.enabled);
  r.integer("threshold", c.threshold, 1, 1000);
  r.duration("memory", c.memory, seconds(60), seconds(90 * 86400));
  r.integer("weight_ratelimit", c.weight_ratelimit, 0, 1000);
  r.integer("weight_sender_refused", c.weight_sender_refused, 0, 1000);
  r.integer("weight_recipient_domains", c.weight_recipient_domains, 0, 1000);
  r.integer("weight_new_network", c.weight_new_network, 0, 1000);
  r.integer("recipient_domains", c.recipient_domains, 2, 100000);
  r.duration("recipient_domains_window", c.recipient_domains_window, seconds(60), seconds(7 * 86400));
  r.integer("new_network_failures", c.new_network_failures, 1, 100000);
  r.string("alert_to", c.alert_to, 254);
  if (!c.alert_to.empty()) {
    bool plain = c.alert_to.find('@') != std::string::npos;
    for (unsigned char ch : c.alert_to) plain = plain && ch > 0x20 && ch < 0x7f && ch != '<' && ch != '>';
    if (!plain)
      r.error("alert_to", "\"" + c.alert_to + "\" is not a plain address such as postmaster@example.org");
  }
  r.string("sendmail", c.sendmail, 1024);
  if (c.sendmail.empty() || c.sendmail[0] != '/') r.error("sendmail", "an absolute path is required");
}

}  // namespace postern
