// The inbound steps of the per-message decision, each a pure function of the message's facts and
// the configuration: SPF's rejection at MAIL FROM and its Authentication-Results and Received-SPF
// values, the DKIM results, the DMARC input, the rule for mail from outside claiming one of our
// domains ([sender].outside_action), and what a DMARC decision does to the message. Only
// decide_inbound does DNS work, through the DmarcEvaluator it is given (the injected Resolver),
// bounded by the message's deadline. Texts built from the message are cleaned where they become a
// header (Received-SPF: control characters to spaces, at most kMaxReceivedSpfBytes) and go
// through the Authentication-Results builder (common/authres/builder.h) otherwise.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/authres/builder.h"
#include "common/core/deadline.h"
#include "common/dkim/dkim.h"
#include "common/dmarc/evaluator.h"
#include "common/dmarc/report_log.h"
#include "common/message/facts.h"
#include "common/message/policy.h"
#include "common/message/verdict.h"
#include "common/spf/evaluator.h"

namespace postern {

inline constexpr size_t kMaxReceivedSpfBytes = 900;

// SPF at MAIL FROM: a 550 5.7.23 reply with the domain's explanation (cut at 200 bytes) when the
// result is fail and [spf].fail_action = reject; nullopt otherwise.
std::optional<Verdict> spf_rejection(const SpfVerdict& v, const SpfConfig& config, const std::string& client);

// The spf= entry of Authentication-Results: smtp.helo for the null sender, else smtp.mailfrom.
authres::MethodResult spf_method_result(const SpfVerdict& v, const std::string& envelope_from,
                                        const std::string& helo);
// The Received-SPF value (RFC 7208 9.1).
std::string received_spf_value(const SpfVerdict& v, const std::string& authserv_id, const std::string& client,
                               const std::string& helo);

// The dkim= entries of Authentication-Results, one per signature (dkim=none without one).
std::vector<authres::MethodResult> dkim_method_results(const DkimVerification& v);

// The DMARC input: the parsed From:, the client, the SPF domain and result (none without SPF: the
// envelope sender's domain) and every DKIM signature's d= and result.
DmarcInput dmarc_input(const MessageFacts& facts);
// What the DMARC report log records beside the DmarcInput (RFC 9990 aggregate reports): the
// selectors in dmarc_input()'s DKIM order, envelope domains and the SPF scope.
DmarcReportFacts dmarc_report_facts(const MessageFacts& facts);
// The lower-case domain of an envelope address, bare or as libmilter gives it ("<a@b.example>").
std::string envelope_domain(const std::string& address);
// Notes one RCPT TO for the report: its domain joins facts.rcpt_domains unless it is empty, already
// there, or kMaxReportRcptDomains domains are kept (further domains are not reported).
void add_rcpt_domain(MessageFacts& facts, const std::string& address);

// The local domain an inbound From: claims without a passing DKIM signature of it, or "": only for
// a single From: author in policy.local_domains, from a client outside [dmarc].trusted_forwarders.
std::string local_domain_claim(const MessageFacts& facts, const MessagePolicy& policy, const DmarcInput& in);

// What [sender].outside_action does to such a claim: reject (550 5.7.1) or a warning header; accept
// gives neither.
struct ClaimOutcome {
  Verdict verdict;
  std::optional<HeaderEdit> edit;
};
ClaimOutcome outside_claim_outcome(const std::string& domain, const SenderConfig& config);

// What a DMARC decision (decide_dmarc_action, common/dmarc/evaluator.h) does to the message:
// reject 550 / tempfail 451 with the reply's enhanced code (5.7.1 / 4.7.5 when it has none), hold
// with the policy's reason, or an X-Postern-DMARC: quarantine header.
struct DmarcOutcome {
  Verdict verdict;
  std::string quarantine;
  std::optional<HeaderEdit> edit;
};
DmarcOutcome dmarc_outcome(const DmarcVerdict& v, const DmarcDecision& d);

// The DMARC step's record, for the front-end's report log.
struct DmarcStep {
  DmarcInput input;
  DmarcVerdict verdict;
  DmarcDecision decision;
};

// Every inbound step in order: Received-SPF, the claim rule, DMARC (skipped when dmarc is null or
// the claim rule rejected), and our Authentication-Results header last (inserted at the top).
std::optional<DmarcStep> decide_inbound(const MessageFacts& facts, const MessagePolicy& policy,
                                        const DmarcEvaluator* dmarc, Deadline deadline, EomResult& out,
                                        LogFields& log);

}  // namespace postern
