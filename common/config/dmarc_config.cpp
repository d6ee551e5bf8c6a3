// Reads the [dmarc] section. Contract in dmarc_config.h.
#include "common/config/dmarc_config.h"

#include "common/net/ip.h"

namespace postern {

void read_dmarc_config(SectionReader& r, DmarcConfig& c) {
  r.boolean("enabled", c.enabled);
  r.boolean("enforce", c.enforce);
  r.choice("quarantine_action", c.quarantine_action, kDmarcQuarantineActions);
  r.choice("author_error_action", c.author_error_action, kDmarcAuthorErrorActions);
  r.choice("temperror_action", c.temperror_action, kDmarcTemperrorActions);
  r.string("reject_text", c.reject_text, 400);
  for (char ch : c.reject_text) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u >= 0x7f) {
      r.error("reject_text", "only printable ASCII is allowed (it becomes an SMTP reply)");
      break;
    }
  }
  std::vector<std::string> forwarders;
  for (const auto& n : c.trusted_forwarders) forwarders.push_back(n.str());
  r.strings("trusted_forwarders", forwarders, 1024, 64);
  c.trusted_forwarders.clear();
  for (const auto& n : forwarders) {
    auto net = IpNetwork::parse(n);
    if (!net)
      r.error("trusted_forwarders", "\"" + n + "\": " + net.error().message);
    else
      c.trusted_forwarders.push_back(*net);
  }
  r.strings("mailing_list_domains", c.mailing_list_domains, 1024, 253);
  for (const auto& d : c.mailing_list_domains) {
    bool ok = !d.empty() && d.front() != '.' && d.back() != '.' && d.find("..") == std::string::npos;
    for (char ch : d) {
      if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
            ch == '.' || ch == '_')) {
        ok = false;
      }
    }
    if (!ok) r.error("mailing_list_domains", "\"" + d + "\": not a domain name");
  }
  r.string("report_log", c.report_log, 1024);
  if (!c.report_log.empty() && c.report_log[0] != '/') r.error("report_log", "must be an absolute path");
}

}  // namespace postern
