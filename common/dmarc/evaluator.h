// DmarcEvaluator: the DMARC verdict for one inbound message (RFC 9989, reading RFC 7489 records).
// Inputs are the message's From: header values as received (untrusted), the SPF result and the
// domain it was checked for (RFC5321.MailFrom, or HELO for the null sender), and the DKIM results
// (d= domain and result) computed elsewhere; the policy comes from DNS through the injected
// Resolver (untrusted answers). SPF and DKIM are never evaluated here.
//
// Steps: exactly one author address (else author_error, see author.h); an author domain the DNS
// walk can use (else permerror); policy discovery by the DNS Tree Walk (tree_walk.h): the record at
// the author domain, else at its Organizational Domain, else at its Public Suffix Domain (a DNS
// failure is temperror, no record is none); Identifier Alignment of each passing DKIM d= and of a
// passing SPF domain, strict (equal) or relaxed (same Organizational Domain, by the tree walk), as
// adkim / aspf say; pass when any aligned identifier passes. The record's policy for the author
// domain is p at the domain itself, else np when the domain does not exist (NXDOMAIN, RFC 9989's
// existence test) and np is given, else sp when given, else p. t=y (or RFC 7489 pct=0) means
// testing: the policy is reported but not applied.
// Local overrides: mail from trusted_forwarders networks or with a passing DKIM / SPF domain at or
// below a mailing_list_domains entry never gets reject (it gets quarantine; override is recorded).
// Limits: kMaxDkimChecks DKIM results are looked at; at most kMaxOrgWalks Organizational Domain
// walks (8 DNS queries each, memoised) per message; every query shares the caller's deadline.
// Each step above is a named function in evaluator.cpp; evaluate() runs them in order.
// Thread-safe: evaluate() keeps its state on the stack; the Resolver must be thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/authres/builder.h"
#include "common/authres/result.h"
#include "common/core/deadline.h"
#include "common/dmarc/dmarc_config.h"
#include "common/dmarc/record.h"
#include "common/dmarc/tree_walk.h"
#include "common/dns/resolver.h"
#include "common/mail/from_header.h"
#include "common/net/ip.h"

namespace postern {

inline constexpr size_t kMaxDkimChecks = 16;
inline constexpr size_t kMaxOrgWalks = 4;

struct DmarcDkimInput {
  std::string domain;  // the signature's d=
  AuthResult result = AuthResult::none;
};

struct DmarcInput {
  FromHeader from;                       // the From: fields, parsed once (common/mail/from_header.h)
  std::string spf_domain;                // the domain SPF was evaluated for
  std::optional<AuthResult> spf_result;  // none: SPF was not evaluated (no SPF check at all)
  std::vector<DmarcDkimInput> dkim;
  std::optional<IpAddress> client_ip;  // for trusted_forwarders and report lines
};

enum class DmarcResult { pass, fail, none, temperror, permerror, author_error };
enum class DmarcPolicyTag { p, sp, np };
enum class DmarcOverride { none, forwarded, mailing_list };

const char* to_string(DmarcResult r);
// The RFC 8601 result of a DMARC result: author_error is permerror.
AuthResult auth_result(DmarcResult r);
const char* to_string(DmarcPolicyTag t);
const char* to_string(DmarcOverride o);

struct DmarcAlignmentCheck {
  std::string method;                    // "dkim" or "spf"
  std::string domain;                    // lower-case
  AuthResult result = AuthResult::none;  // the authentication result as given
  DmarcAlign mode = DmarcAlign::relaxed;
  bool aligned = false;  // the identifier passed AND is aligned
  std::string detail;    // "same domain", "same organizational domain example.org", "not a pass", ...
};

struct DmarcVerdict {
  DmarcResult result = DmarcResult::none;
  std::string reason;         // one line for logs and the A-R reason
  std::string author;         // the author address (when found)
  std::string author_domain;  // lower-case (when found)
  // The author domain's Organizational Domain, when it was needed (policy from above the author
  // domain, or a relaxed alignment check) and determined; "" otherwise.
  std::string org_domain;
  std::string policy_domain;  // the name whose _dmarc record was used
  DmarcPolicySource policy_source = DmarcPolicySource::author_domain;
  std::string record_text;  // that record as published
  std::optional<DmarcRecord> record;
  DmarcPolicyTag policy_tag = DmarcPolicyTag::p;  // which tag gave `requested`
  bool author_domain_missing = false;             // np case: no A, AAAA, MX
  DmarcPolicy requested = DmarcPolicy::none;      // the record's policy for this author domain
  bool testing = false;                           // t=y: requested is not applied
  DmarcPolicy applied = DmarcPolicy::none;        // what the domain asks us to do with this message
  DmarcOverride override_reason = DmarcOverride::none;
  bool dkim_aligned = false;
  bool spf_aligned = false;
  std::vector<DmarcAlignmentCheck> alignment;
  size_t dns_queries = 0;

  // The policy the record asks for after t (policy.dmarc in Authentication-Results).
  DmarcPolicy evaluated_policy() const { return testing ? DmarcPolicy::none : requested; }
  // "dmarc" method result for the A-R builder: pass/fail/none/temperror/permerror (author_error is
  // reported as permerror with the reason), header.from and, with a record, policy.dmarc.
  authres::MethodResult authres() const;
};

class DmarcEvaluator {
 public:
  DmarcEvaluator(Resolver& resolver, const DmarcConfig& config);
  DmarcVerdict evaluate(const DmarcInput& in, Deadline deadline) const;

 private:
  Resolver& resolver_;
  std::vector<IpNetwork> forwarders_;  // [dmarc].trusted_forwarders
  std::vector<std::string> list_domains_;
};

// What the milter does with a verdict under the [dmarc] configuration.
enum class DmarcAction { accept, reject, hold, header, tempfail };
const char* to_string(DmarcAction a);

struct DmarcDecision {
  DmarcAction action = DmarcAction::accept;
  // The disposition for reports: "none", "quarantine" or "reject" (what was done, RFC 9990).
  std::string disposition = "none";
  std::string reply;  // reject_text when action == reject; the 4.7.5 text when tempfail
};

DmarcDecision decide_dmarc_action(const DmarcVerdict& v, const DmarcConfig& c);

}  // namespace postern
