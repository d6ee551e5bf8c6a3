// [dmarc] section: inbound DMARC (RFC 9989) evaluation and how postern-milter applies its result.
// Owned by common/dmarc.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/reader.h"
#include "common/net/ip.h"

namespace postern {

enum class DmarcQuarantineAction { hold, header, accept };
inline constexpr Choice<DmarcQuarantineAction> kDmarcQuarantineActions[] = {
    {"hold", DmarcQuarantineAction::hold},
    {"header", DmarcQuarantineAction::header},
    {"accept", DmarcQuarantineAction::accept}};
enum class DmarcAuthorErrorAction { reject, hold, header, accept };
inline constexpr Choice<DmarcAuthorErrorAction> kDmarcAuthorErrorActions[] = {
    {"reject", DmarcAuthorErrorAction::reject},
    {"hold", DmarcAuthorErrorAction::hold},
    {"header", DmarcAuthorErrorAction::header},
    {"accept", DmarcAuthorErrorAction::accept}};
enum class DmarcTemperrorAction { tempfail, accept };
inline constexpr Choice<DmarcTemperrorAction> kDmarcTemperrorActions[] = {
    {"tempfail", DmarcTemperrorAction::tempfail}, {"accept", DmarcTemperrorAction::accept}};
inline std::string_view to_string(DmarcQuarantineAction v) { return choice_name(v, kDmarcQuarantineActions); }
inline std::string_view to_string(DmarcAuthorErrorAction v) {
  return choice_name(v, kDmarcAuthorErrorActions);
}
inline std::string_view to_string(DmarcTemperrorAction v) { return choice_name(v, kDmarcTemperrorActions); }
// [dmarc.reports]: aggregate reports (RFC 9990) built by `posternctl dmarc report build|send` from
// report_log. Off by default; send refuses to run until enabled.
struct DmarcReportsConfig {
  bool enabled = false;
  std::string org_name;  // <org_name> of the reports
  std::string from;      // From: of the report mails and <email>; its domain names the receiver
  std::string sendmail = "/usr/sbin/sendmail";
  int64_t max_reports_per_run = 1000;
  std::chrono::seconds pause{1};             // between two mails to the same destination domain
  std::vector<std::string> exclude_domains;  // policy domains (and below) never reported to
};

struct DmarcConfig {
  bool enabled = true;
  // true: apply the domain's reject / quarantine; false: only record the result (header, log).
  bool enforce = false;
  // What "quarantine" means here: hold (Postfix hold queue) | header (add a header, deliver) | accept.
  DmarcQuarantineAction quarantine_action = DmarcQuarantineAction::hold;
  // No From:, several From: headers or several addresses in one From: reject | hold | header | accept.
  DmarcAuthorErrorAction author_error_action = DmarcAuthorErrorAction::reject;
  std::string reject_text = "5.7.1 Message rejected by the DMARC policy of the sender's domain";
  // With enforce: what a DMARC temperror gets (DNS trouble while the record, an organizational
  // domain or an aligned SPF/DKIM result was looked up) unless the domain's policy is known to be
  // none: tempfail (451 4.7.5, the sender retries; nothing is lost and DNS trouble, which a
  // sender can provoke with slow DNS of its own, never lets a message past a reject policy) |
  // accept.
  DmarcTemperrorAction temperror_action = DmarcTemperrorAction::tempfail;
  // Networks of forwarders we trust (their own checks); reject is never applied to mail from them.
  // Parsed once here, when the config is read.
  std::vector<IpNetwork> trusted_forwarders;
  // Mailing list domains: when a passing DKIM d= or SPF domain is one of them (or below), reject is
  // never applied.
  std::vector<std::string> mailing_list_domains;
  // Append one line per evaluation (JSON) here for later aggregate reports; "" disables.
  std::string report_log;
  DmarcReportsConfig reports;
};

void read_dmarc_config(SectionReader& r, DmarcConfig& c);

}  // namespace postern
