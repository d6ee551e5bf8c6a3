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
  r.address("alert_to", c.alert_to);
  r.path("sendmail", c.sendmail, false);
}

}  // namespace postern
