// MessagePolicy: what the per-message decision needs from one loaded configuration, derived once
// per configuration snapshot (at start and at each reload), never per message: our authserv-id,
// the internal networks, our own domains as A-labels, and the [spf], [sender], [dmarc] sections.
// build_message_policy trusts the Config (the reader validated it) but re-checks what it converts:
// a local domain that is no valid IDN is an error naming the config file and key.
#pragma once

#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/core/result.h"
#include "common/net/ip.h"

namespace postern {

struct MessagePolicy {
  std::string authserv_id;                   // [milter].authserv_id or the host name
  std::vector<IpNetwork> internal_networks;  // [dkim].internal_networks
  std::vector<std::string> local_domains;    // [sender].local_domains or the DKIM key domains, A-labels
  bool dkim_sign = true;                     // [dkim].sign
  SpfConfig spf;
  SenderConfig sender;
  DmarcConfig dmarc;  // trusted_forwarders parsed at config load
};

Result<MessagePolicy> build_message_policy(const Config& config, std::string authserv_id,
                                           const std::string& config_path);

}  // namespace postern
