// Postfix restriction lists as the audit reads them (smtpd_relay_restrictions,
// smtpd_recipient_restrictions, smtpd_client_restrictions, mynetworks): split into words (blank
// or comma separated, a restriction's argument kept with it), and judged for relaying: does the
// list stop unauthenticated relaying, and does it refuse unauthenticated clients. Pure functions;
// the text is the admin's (bounded by kMaxRestrictionWords words).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postern::audit {

inline constexpr size_t kMaxRestrictionWords = 1000;

// "permit_mynetworks, check_policy_service unix:private/p, reject" ->
// {"permit_mynetworks", "check_policy_service unix:private/p", "reject"}.
std::vector<std::string> restriction_words(std::string_view list);

enum class RelayVerdict {
  safe,            // ends in reject_unauth_destination (or defer_, reject, defer) after safe permits only
  map_may_permit,  // a lookup table before it could say OK for anyone
  open,            // a permit before it (e.g. "permit"), or nothing that stops relaying
};
struct RelayJudgement {
  RelayVerdict verdict = RelayVerdict::open;
  std::string culprit;  // the word that permits too early, when there is one
};
RelayJudgement judge_relay(std::string_view list);

// True when the list refuses clients that did not authenticate: permit_sasl_authenticated (after
// at most permit_mynetworks) followed by a final reject / defer.
bool refuses_unauthenticated(std::string_view list);

// The position of the first word starting with prefix, or -1.
int find_word(const std::vector<std::string>& words, std::string_view prefix);

}  // namespace postern::audit
