// Implements the RFC 9989 DNS Tree Walk. Contract in tree_walk.h.
#include "common/dmarc/tree_walk.h"

namespace postern {
namespace {

std::vector<std::string_view> split_labels(std::string_view d) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    out.push_back(d.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

// The last n labels of d.
std::string tail_labels(std::string_view d, size_t n) {
  auto labels = split_labels(d);
  if (n >= labels.size()) return std::string(d);
  std::string out;
  for (size_t i = labels.size() - n; i < labels.size(); ++i) {
    if (!out.empty()) out += '.';
    out += labels[i];
  }
  return out;
}

size_t label_count(std::string_view d) { return split_labels(d).size(); }

}  // namespace

bool valid_dmarc_domain(std::string_view domain) {
  if (domain.empty() || domain.size() > kMaxDmarcDomain) return false;
  for (auto label : split_labels(domain)) {
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return false;
    }
  }
  return true;
}

std::vector<std::string> dmarc_walk_targets(std::string_view domain) {
  std::vector<std::string> out;
  out.emplace_back(domain);
  size_t x = label_count(domain);
  size_t next = x >= kMaxWalkLabels + 1 ? kMaxWalkLabels : x - 1;
  for (size_t n = next; n >= 1 && out.size() < kMaxTreeWalkQueries; --n)
    out.push_back(tail_labels(domain, n));
  return out;
}

const DmarcLookup& DmarcTreeWalk::lookup(const std::string& domain) {
  if (auto it = cache_.find(domain); it != cache_.end()) return it->second;
  DmarcLookup l;
  l.domain = domain;
  ++queries_;
  DnsResult r = resolver_.query("_dmarc." + domain, RrType::TXT, deadline_);
  if (r.status == DnsStatus::nxdomain || r.status == DnsStatus::nodata || r.status == DnsStatus::bad_name) {
    l.status = DmarcLookupStatus::none;
    l.note = r.status == DnsStatus::bad_name ? "no record (not a DNS name)" : "no record";
  } else if (r.status != DnsStatus::answer) {
    l.status = DmarcLookupStatus::temperror;
    l.note = std::string("DNS ") + to_string(r.status) + (r.detail.empty() ? "" : ": " + r.detail);
  } else {
    const DnsRecord* only = nullptr;
    size_t count = 0;
    for (const auto& rec : r.records) {
      if (!is_dmarc_record(rec.text)) continue;
      ++count;
      only = &rec;
    }
    if (count == 0) {
      l.status = DmarcLookupStatus::none;
      l.note = "no record";
    } else if (count > 1) {
      l.status = DmarcLookupStatus::none;
      l.note = std::to_string(count) + " DMARC records";
    } else {
      auto parsed = parse_dmarc_record(only->text);
      if (!parsed) {
        l.status = DmarcLookupStatus::none;
        l.note = "invalid record: " + parsed.error().message;
      } else {
        l.status = DmarcLookupStatus::found;
        l.text = only->text;
        l.record = std::move(*parsed);
      }
    }
  }
  return cache_.emplace(domain, std::move(l)).first->second;
}

const char* to_string(DmarcPolicySource s) {
  switch (s) {
    case DmarcPolicySource::author_domain:
      return "author domain";
    case DmarcPolicySource::organizational_domain:
      return "organizational domain";
    case DmarcPolicySource::public_suffix_domain:
      return "public suffix domain";
  }
  return "author domain";
}

PolicyDiscovery DmarcTreeWalk::find_policy(const std::string& domain) {
  PolicyDiscovery out;
  const DmarcLookup& own = lookup(domain);
  if (own.status != DmarcLookupStatus::none) {
    out.status = own.status;
    out.at = own;
    out.source = DmarcPolicySource::author_domain;
    return out;
  }
  OrgDomain org = org_domain(domain);
  if (org.temperror) {
    out.status = DmarcLookupStatus::temperror;
    out.at.domain = org.domain;
    out.at.note = org.how;
    return out;
  }
  auto use = [&](const std::string& name, DmarcPolicySource source) {
    const DmarcLookup& l = lookup(name);
    if (l.status == DmarcLookupStatus::none) return false;
    out.status = l.status;
    out.at = l;
    out.source = source;
    return true;
  };
  if (org.domain != domain && use(org.domain, DmarcPolicySource::organizational_domain)) return out;
  if (!org.psd_domain.empty() && org.psd_domain != domain &&
      use(org.psd_domain, DmarcPolicySource::public_suffix_domain)) {
    return out;
  }
  out.status = DmarcLookupStatus::none;
  return out;
}

OrgDomain DmarcTreeWalk::org_domain(const std::string& domain) {
  OrgDomain out;
  std::string fewest;
  for (const auto& target : dmarc_walk_targets(domain)) {
    const DmarcLookup& l = lookup(target);
    if (l.status == DmarcLookupStatus::temperror) {
      out.temperror = true;
      out.domain = target;
      out.how = l.note;
      return out;
    }
    if (l.status != DmarcLookupStatus::found) continue;
    if (l.record.psd == DmarcPsd::no) {
      out.domain = target;
      out.how = "psd=n record at " + target;
      return out;
    }
    // psd=y at the starting name counts as an ordinary record (RFC 9989 selection rule 2).
    if (l.record.psd == DmarcPsd::yes && target != domain) {
      out.psd_domain = target;
      out.domain = tail_labels(domain, label_count(target) + 1);
      out.how = "below the public suffix domain " + target;
      return out;
    }
    fewest = target;
  }
  if (!fewest.empty()) {
    out.domain = fewest;
    out.how = "record at " + fewest;
  } else {
    out.domain = domain;
    out.how = "no records";
  }
  return out;
}

}  // namespace postern
