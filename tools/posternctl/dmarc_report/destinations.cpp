// Implements plan_report_destinations. Contract in destinations.h.
#include "tools/posternctl/dmarc_report/destinations.h"

#include <algorithm>

namespace postern {

const char* to_string(DestinationStatus s) {
  switch (s) {
    case DestinationStatus::send:
      return "send";
    case DestinationStatus::unusable_uri:
      return "unusable";
    case DestinationStatus::unauthorized:
      return "unauthorized";
    case DestinationStatus::temperror:
      return "temperror";
  }
  return "unusable";
}

namespace {

void authorize(Resolver& resolver, const std::string& policy_domain, Deadline deadline,
               ReportDestination& d) {
  std::string name = policy_domain + "._report._dmarc." + d.target.host;
  if (name.size() > 253) {
    d.status = DestinationStatus::unauthorized;
    d.reason = name.substr(0, 64) + "...: name longer than DNS allows";
    return;
  }
  DnsResult r = resolver.query(name, RrType::TXT, deadline);
  if (r.temporary_failure()) {
    d.status = DestinationStatus::temperror;
    d.reason = name + " TXT: " + to_string(r.status);
    return;
  }
  const DnsRecord* found = nullptr;
  for (const auto& rec : r.records) {
    if (is_dmarc_record(rec.text)) {
      found = &rec;
      break;
    }
  }
  if (!found) {
    d.status = DestinationStatus::unauthorized;
    d.reason = "no v=DMARC1 record at " + name + " (RFC 9990 section 3)";
    return;
  }
  d.reason = "authorized by " + name;
  auto rec = parse_dmarc_record(found->text);
  if (!rec || rec->rua.empty()) return;
  for (const auto& u : rec->rua) {
    auto o = parse_report_uri(u);
    if (!o || o->host != d.target.host) {
      d.status = DestinationStatus::unauthorized;
      d.reason = name + " overrides rua with " + u.substr(0, 128) + ", not at " + d.target.host;
      return;
    }
  }
  auto first = parse_report_uri(rec->rua.front());
  d.target = *first;
  d.reason += ", rua replaced by " + rec->rua.front().substr(0, 128);
}

}  // namespace

DestinationPlan plan_report_destinations(Resolver& resolver, const std::string& policy_domain,
                                         Deadline deadline) {
  DestinationPlan plan;
  DmarcTreeWalk walk(resolver, deadline);
  const DmarcLookup& now = walk.lookup(policy_domain);
  plan.record = now.status;
  plan.note = now.note;
  if (now.status != DmarcLookupStatus::found) return plan;
  const DmarcRecord record = now.record;  // the walk's cache may move as it grows
  OrgDomain own = walk.org_domain(policy_domain);
  for (const auto& uri : record.rua) {
    if (plan.destinations.size() == kMaxReportUris) break;
    ReportDestination d;
    d.uri = uri;
    auto t = parse_report_uri(uri);
    if (!t) {
      d.status = DestinationStatus::unusable_uri;
      d.reason = t.error().message;
      plan.destinations.push_back(std::move(d));
      continue;
    }
    d.target = *t;
    OrgDomain theirs = walk.org_domain(d.target.host);
    d.external = own.temperror || theirs.temperror || own.domain != theirs.domain;
    if (d.external) authorize(resolver, policy_domain, deadline, d);
    bool duplicate =
        std::any_of(plan.destinations.begin(), plan.destinations.end(), [&](const ReportDestination& x) {
          return x.status == DestinationStatus::send && x.target.address == d.target.address;
        });
    if (!duplicate) plan.destinations.push_back(std::move(d));
  }
  return plan;
}

}  // namespace postern
