// Implements DnsblChecker. Contract in dnsbl.h.
#include "common/dnsbl/dnsbl.h"

#include <algorithm>

namespace postern {
namespace {

bool usable_domain(const std::string& d) {
  if (d.empty() || d.size() > 200 || d.find('.') == std::string::npos) return false;
  if (d.front() == '[' || IpAddress::parse(d)) return false;  // address literals are not names
  return std::all_of(d.begin(), d.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

DnsblChecker::DnsblChecker(std::vector<DnsListSpec> ip_lists, std::vector<DnsListSpec> domain_lists,
                           Resolver& resolver, std::chrono::milliseconds timeout)
    : ip_lists_(std::move(ip_lists)),
      domain_lists_(std::move(domain_lists)),
      resolver_(resolver),
      timeout_(timeout) {}

DnsblResult DnsblChecker::check(const IpAddress& client_in,
                                const std::vector<std::string>& domains_in) const {
  DnsblResult out;
  IpAddress client = client_in.unmapped();
  std::vector<std::string> domains;
  for (auto d : domains_in) {
    std::transform(d.begin(), d.end(), d.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
    while (!d.empty() && d.back() == '.') d.pop_back();
    if (usable_domain(d) && std::find(domains.begin(), domains.end(), d) == domains.end())
      domains.push_back(d);
  }
  struct Asked {
    const DnsListSpec* list;
    bool domain_list;
  };
  std::vector<DnsQuery> queries;
  std::vector<Asked> asked;
  for (const auto& l : ip_lists_) {
    queries.push_back({client.reverse_labels() + "." + l.zone, RrType::A});
    asked.push_back({&l, false});
  }
  for (const auto& l : domain_lists_) {
    for (const auto& d : domains) {
      queries.push_back({d + "." + l.zone, RrType::A});
      asked.push_back({&l, true});
    }
  }
  if (queries.empty()) return out;
  auto results = resolver_.query_all(queries, Deadline::after(timeout_));
  std::vector<const DnsListSpec*> counted;
  for (size_t i = 0; i < results.size(); ++i) {
    const DnsResult& r = results[i];
    const DnsListSpec& list = *asked[i].list;
    // Not listed; a name too long to ask (a long sender domain under a list's zone) cannot be.
    if (r.status == DnsStatus::nxdomain || r.status == DnsStatus::nodata || r.status == DnsStatus::bad_name)
      continue;
    if (!r.ok()) {
      if (r.local_failure) out.local_failure = true;
      out.errors.push_back(list.zone + ": " + to_string(r.status) +
                           (r.detail.empty() ? "" : " (" + r.detail + ")"));
      continue;
    }
    for (const auto& rec : r.records) {
      auto a = IpAddress::parse(rec.text);
      if (!a || a->v6 || a->bytes[0] != 127) {
        out.errors.push_back(list.zone + ": answer " + rec.text + " outside 127.0.0.0/8 (not a listing)");
        continue;
      }
      if (a->bytes[1] == 255 && a->bytes[2] == 255) {
        out.errors.push_back(list.zone + ": error code " + rec.text + " (refused, over quota or bad zone)");
        continue;
      }
      if (asked[i].domain_list && a->bytes[1] == 0 && a->bytes[2] == 1 && a->bytes[3] == 255) {
        out.errors.push_back(list.zone + ": error code " + rec.text + " (bad query)");
        continue;
      }
      if (!list.matches(*a)) continue;
      if (std::find(counted.begin(), counted.end(), &list) == counted.end()) {
        counted.push_back(&list);
        out.score += list.weight;
        out.hits.push_back({list.zone, queries[i].name, rec.text, list.weight});
      }
    }
  }
  return out;
}

}  // namespace postern
