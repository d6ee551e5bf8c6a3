// Sender-ownership verdicts for an authenticated login: the envelope sender (MAIL FROM) and the
// From:/Sender: header fields. Header values are parsed with common/mail's strict parser (the From:
// fields once per message, common/mail/from_header.h); anything it cannot read unambiguously is
// refused, never guessed. Exactly one From: field is required; every address in it must be owned.
// Domains compare as validated A-labels (common/mail/idna.h); an invalid IDN is not owned. The verdict
// carries the SMTP reply the milter gives in enforce mode; in soft mode the milter only logs and adds a
// header.
#pragma once

#include <string>
#include <vector>

#include "common/mail/from_header.h"
#include "common/sender/ownership.h"
#include "common/sender/sender_config.h"

namespace postern {

struct SenderVerdict {
  bool allowed = true;
  std::string rcode;   // "553" (envelope) or "550" (headers)
  std::string xcode;   // "5.7.1"
  std::string text;    // for the SMTP reply; safe to show to the sender
  std::string reason;  // for the log
};

SenderVerdict check_envelope_sender(const OwnershipMap& map, const SenderConfig& config,
                                    const std::string& login, const std::string& envelope_from);
SenderVerdict check_header_senders(const OwnershipMap& map, const std::string& login, const FromHeader& from,
                                   const std::vector<std::string>& sender_values);
// The same from the From: header values as received.
SenderVerdict check_header_senders(const OwnershipMap& map, const std::string& login,
                                   const std::vector<std::string>& from_values,
                                   const std::vector<std::string>& sender_values);

}  // namespace postern
