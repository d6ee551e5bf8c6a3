// plan_report_destinations: where a policy domain's report goes, from its current DMARC record
// (looked up now at _dmarc.DOMAIN, not as logged: a domain that changed its rua is honoured) and
// RFC 9990 section 3's rule for destinations outside the domain: a rua address whose host has
// another Organizational Domain (the RFC 9989 tree walk) is used only when a TXT record at
// DOMAIN._report._dmarc.HOST starts with v=DMARC1; a rua in that record replaces the address when
// it names the same host, and when it names another host the destination is dropped. DNS answers
// are untrusted; a temporary DNS failure is its own status (the caller retries next run).
// Limits: kMaxReportUris destinations (record.h), duplicates dropped, one deadline for all lookups.
#pragma once

#include <string>
#include <vector>

#include "common/core/deadline.h"
#include "common/dmarc/tree_walk.h"
#include "common/dns/resolver.h"
#include "tools/posternctl/dmarc_report/rua.h"

namespace postern {

enum class DestinationStatus { send, unusable_uri, unauthorized, temperror };
const char* to_string(DestinationStatus s);

struct ReportDestination {
  std::string uri;  // as published
  ReportUri target;
  bool external = false;
  DestinationStatus status = DestinationStatus::send;
  std::string reason;  // why not send, or how it was authorized
};

struct DestinationPlan {
  DmarcLookupStatus record = DmarcLookupStatus::none;
  std::string note;  // why no record / temperror
  std::vector<ReportDestination> destinations;
};

DestinationPlan plan_report_destinations(Resolver& resolver, const std::string& policy_domain,
                                         Deadline deadline);

}  // namespace postern
