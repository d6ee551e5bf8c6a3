// The checks of how Postern is wired into Postfix and Dovecot (ids postern.*). Contract in
// checks.h; every id is documented in docs/audit.md.
#include "tools/posternctl/audit/checks.h"
#include "tools/posternctl/audit/restrictions.h"

namespace postern::audit {
namespace {

// Whether a Postfix milter list names the socket spec (unix:PATH, inet:HOST:PORT); a unix path
// may be relative to queue_directory as Postfix allows.
bool names_socket(const PostfixConfig& pf, const std::string& list, const std::string& spec) {
  for (auto w : restriction_words(list)) {
    while (!w.empty() && (w.front() == '{')) w.erase(0, 1);
    while (!w.empty() && (w.back() == '}')) w.pop_back();
    if (w == spec) return true;
    if (w.rfind("unix:", 0) == 0 && spec.rfind("unix:", 0) == 0) {
      std::string p = w.substr(5);
      if (!p.empty() && p[0] != '/') p = pf.get("queue_directory") + "/" + p;
      if (p == spec.substr(5)) return true;
    }
  }
  return false;
}

int policy_index(const PostfixConfig& pf, const std::vector<std::string>& words, const std::string& spec) {
  for (size_t k = 0; k < words.size(); ++k) {
    if (words[k].rfind("check_policy_service ", 0) != 0) continue;
    if (names_socket(pf, words[k].substr(21), spec)) return static_cast<int>(k);
  }
  return -1;
}

}  // namespace

void check_postern(const PostfixConfig* pf, const DovecotConfig* dc, const Config* pc, const std::string& why,
                   Report& r) {
  if (!pc) {
    r.add({"postern.config", Severity::info, "postern.conf", "", "", "Postern's wiring not checked: " + why,
           "posternctl -c FILE audit"});
    return;
  }
  if (pf) {
    const std::string& milter = pc->milter.socket;
    if (!names_socket(*pf, pf->get("smtpd_milters"), milter))
      r.add({"postern.milter", Severity::warning, "main.cf", "smtpd_milters", pf->get("smtpd_milters"),
             "postern-milter (" + milter +
                 ") is not in smtpd_milters: no DKIM, SPF, DMARC or sender checks on SMTP mail",
             "postconf -e 'smtpd_milters = " + milter + "'"});
    if (!names_socket(*pf, pf->get("non_smtpd_milters"), milter))
      r.add({"postern.non-smtpd-milter", Severity::warning, "main.cf", "non_smtpd_milters",
             pf->get("non_smtpd_milters"),
             "postern-milter is not in non_smtpd_milters: mail sent with sendmail(1) is not DKIM-signed",
             "postconf -e 'non_smtpd_milters = " + milter + "'"});
    if (!pf->set_in_main("milter_default_action"))
      r.add({"postern.milter-default-action", Severity::warning, "main.cf", "milter_default_action",
             pf->get("milter_default_action"),
             "milter_default_action is left at its default; choose what happens to mail when the milter is "
             "down",
             "postconf -e 'milter_default_action = tempfail'"});
    const std::string& policy = pc->policyd.socket;
    for (const auto& s : pf->services) {
      if (smtp_role(*pf, s) != SmtpRole::mx) continue;
      bool found = false;
      for (const char* list : {"smtpd_recipient_restrictions", "smtpd_relay_restrictions"}) {
        auto words = restriction_words(pf->get(s, list));
        int at = policy_index(*pf, words, policy);
        if (at < 0 || found) continue;
        found = true;
        int rud = find_word(words, "reject_unauth_destination");
        if (rud < 0 || rud > at)
          r.add({"postern.policy-order", Severity::warning, s.where(), list, pf->get(s, list),
                 "check_policy_service for postern-policyd comes before reject_unauth_destination: relay "
                 "attempts "
                 "are greylisted and scored instead of refused",
                 "postconf -e '" + std::string(list) +
                     " = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination, "
                     "check_policy_service " +
                     policy + "'"});
      }
      if (found) continue;
      r.add({"postern.policy", Severity::warning, s.where(), "smtpd_recipient_restrictions",
             pf->get(s, "smtpd_recipient_restrictions"),
             "postern-policyd (" + policy +
                 ") is not in the MX's restrictions: no greylisting or DNSBL scoring",
             "postconf -e 'smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, "
             "reject_unauth_destination, check_policy_service " +
                 policy + "'"});
    }
  }
  if (dc) {
    auto passdbs = dc->set.sections("passdb");
    bool postern = false;
    for (const auto* p : passdbs) {
      const std::string* drv = p->get("driver");
      if (drv && *drv == "postern") postern = true;
    }
    if (!postern) {
      r.add({"postern.passdb", Severity::warning, "dovecot: passdb", "driver", "",
             "Dovecot does not use passdb postern: no brute-force lockout on IMAP, POP3 and SMTP AUTH",
             "passdb { driver = postern } (in dovecot.conf)"});
    } else {
      for (const auto* p : passdbs) {
        const std::string* drv = p->get("driver");
        const std::string* deny = p->get("deny");
        if (!drv || *drv == "postern" || (deny && *deny == "yes")) continue;
        r.add({"postern.passdb-bypass", Severity::warning, "dovecot: passdb " + *drv, "driver", *drv,
               "another passdb (" + *drv + ") can log users in without postern's lockout",
               "remove the passdb { driver = " + *drv + " } block"});
      }
    }
    if (postern && !pc->auth.lockout.enabled)
      r.add({"postern.lockout-off", Severity::warning, "postern.conf [auth.lockout]", "enabled", "false",
             "passdb postern is used with lockout off: password guessing is not slowed down",
             "enabled = true (in [auth.lockout])"});
  }
  const auto& snd = pc->sender;
  if (snd.enabled && (!snd.login_maps.empty() || !snd.sqlite_path.empty()) && snd.mode != SenderMode::enforce)
    r.add({"postern.sender-mode", Severity::warning, "postern.conf [sender]", "mode",
           std::string(to_string(snd.mode)),
           "sender maps are configured but ownership is only logged (mode = \"" +
               std::string(to_string(snd.mode)) + "\")",
           "mode = \"enforce\" (in [sender])"});
}

}  // namespace postern::audit
