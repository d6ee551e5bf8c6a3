// MessageFacts: what is known about one message when it is decided, gathered by the front-end
// (postern-milter's MessagePipeline) from the SMTP session: the client, HELO, login and envelope
// sender as the MTA gave them, the From: fields parsed once (common/mail/from_header.h), the
// indexes of forged Authentication-Results fields, the SPF verdict taken at MAIL FROM and the
// finished DKIM verification or signatures. Everything here came from the network and is untrusted
// except what the front-end derived itself (outbound, the notes). No limits of its own: the
// front-end bounds what it stores (milter/pipeline.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/core/result.h"
#include "common/dkim/dkim.h"
#include "common/mail/from_header.h"
#include "common/net/ip.h"
#include "common/spf/evaluator.h"

namespace postern {

struct MessageFacts {
  std::string queue_id;
  std::string client;  // the client address as text ("" when unknown)
  std::optional<IpAddress> client_ip;
  std::string helo;
  std::string login;          // SASL login; "" when unauthenticated
  std::string envelope_from;  // MAIL FROM as given
  // The distinct RCPT TO domains in RCPT order, at most kMaxReportRcptDomains (for DMARC reports;
  // add_rcpt_domain() keeps the bound).
  std::vector<std::string> rcpt_domains;
  bool outbound = false;  // is_outbound() at the time the message was seen
  FromHeader from;
  std::vector<int> forged_ar;            // 1-based indexes among Authentication-Results fields
  std::string sender_warning;            // soft mode: what sender ownership would have rejected
  std::string dkim_note;                 // why DKIM did not run, for the log
  std::optional<SpfVerdict> spf;         // inbound, when SPF ran at MAIL FROM
  std::optional<DkimVerification> dkim;  // inbound, when verified
  // Outbound, when a signing session ran: its signatures (or why there are none) and its plans.
  std::optional<Result<std::vector<std::string>>> signatures;
  std::vector<DkimSignPlan> plans;
};

}  // namespace postern
