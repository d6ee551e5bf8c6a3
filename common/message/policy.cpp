// Implements build_message_policy. Contract in policy.h.
#include "common/message/policy.h"

#include "common/mail/idna.h"

namespace postern {

Result<MessagePolicy> build_message_policy(const Config& c, std::string authserv_id,
                                           const std::string& config_path) {
  MessagePolicy p;
  p.authserv_id = std::move(authserv_id);
  for (const auto& n : c.dkim.internal_networks) {
    if (auto net = IpNetwork::parse(n)) p.internal_networks.push_back(*net);
  }
  // Compared with From: domains in their A-label form (common/mail/idna.h), so a U-label here works.
  auto add_local = [&](const std::string& d, const char* key) -> Result<void> {
    auto a = domain_to_alabels(d);
    if (!a) return Error::perm(config_path + ": " + key + ": " + d + ": " + a.error().message);
    p.local_domains.push_back(*a);
    return {};
  };
  for (const auto& d : c.sender.local_domains) {
    if (auto r = add_local(d, "[sender].local_domains"); !r) return r.error();
  }
  for (const auto& k : c.dkim.keys) {
    if (!c.sender.local_domains.empty()) break;
    if (auto r = add_local(k.domain, "[dkim.key].domain"); !r) return r.error();
  }
  p.dkim_sign = c.dkim.sign;
  p.spf = c.spf;
  p.sender = c.sender;
  p.dmarc = c.dmarc;
  return p;
}

}  // namespace postern
