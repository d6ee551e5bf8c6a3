// Reads the [dmarc] section. Contract in dmarc_config.h.
#include "common/dmarc/dmarc_config.h"

#include "common/net/ip.h"

namespace postern {
namespace {

bool domain_name(const std::string& d) {
  bool ok = !d.empty() && d.size() <= 253 && d.front() != '.' && d.back() != '.' &&
            d.find("..") == std::string::npos;
  for (char ch : d) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
          ch == '.' || ch == '_')) {
      ok = false;
    }
  }
  return ok;
}

void read_reports(SectionReader& r, DmarcReportsConfig& c) {
  r.boolean("enabled", c.enabled);
  r.string("org_name", c.org_name, 200);
  r.string("from", c.from, 254);
  r.string("sendmail", c.sendmail, 1024);
  r.integer("max_reports_per_run", c.max_reports_per_run, 1, 1000000);
  r.duration("pause", c.pause, std::chrono::seconds(0), std::chrono::seconds(3600));
  r.strings("exclude_domains", c.exclude_domains, 10000, 253);
  for (char ch : c.org_name) {
    if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) {
      r.error("org_name", "control characters are not allowed");
      break;
    }
  }
  size_t at = c.from.rfind('@');
  if (!c.from.empty() && (at == std::string::npos || at == 0 || !domain_name(c.from.substr(at + 1)) ||
                          c.from.find_first_of(" \t\r\n<>\"(),;:") != std::string::npos))
    r.error("from", "\"" + c.from + "\": not a plain address (local@domain)");
  if (c.sendmail.empty() || c.sendmail[0] != '/') r.error("sendmail", "must be an absolute path");
  for (const auto& d : c.exclude_domains) {
    if (!domain_name(d)) r.error("exclude_domains", "\"" + d + "\": not a domain name");
  }
  if (c.enabled && (c.org_name.empty() || c.from.empty()))
    r.error(c.org_name.empty() ? "org_name" : "from", "required when enabled = true");
}

}  // namespace

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
  auto reports = r.table("reports");
  read_reports(reports, c.reports);
  if (c.reports.enabled && c.report_log.empty())
    reports.error("enabled", "[dmarc] report_log must be set: reports are built from it");
}

}  // namespace postern
