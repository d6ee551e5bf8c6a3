// Implements DmarcReportAggregator. Contract in aggregate.h.
#include "tools/posternctl/dmarc_report/aggregate.h"

#include <algorithm>
#include <charconv>
#include <tuple>

#include "common/dmarc/tree_walk.h"
#include "common/net/ip.h"

namespace postern {
namespace {

// A row as one string: each field as "LENGTH:BYTES", so any byte may appear in a value. Writes
// into a buffer the caller reuses (no allocation per log line once it has grown).
class Writer {
 public:
  explicit Writer(std::string& out) : out(out) { out.clear(); }
  void put(std::string_view s) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, s.size());
    out.append(digits, end);
    out += ':';
    out += s;
  }
  void flag(bool b) { put(std::string_view(b ? "1" : "0")); }
  void count(size_t n) {
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    put(std::string_view(digits, static_cast<size_t>(end - digits)));
  }
  std::string& out;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::string text() {
    size_t colon = in_.find(':', pos_);
    size_t n = std::stoul(std::string(in_.substr(pos_, colon - pos_)));
    std::string s(in_.substr(colon + 1, n));
    pos_ = colon + 1 + n;
    return s;
  }
  bool flag() { return text() == "1"; }
  size_t number() { return std::stoul(text()); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

void encode(const DmarcReportRow& r, std::string& out) {
  Writer w(out);
  w.put(r.source_ip);
  w.put(to_string(r.disposition));
  w.flag(r.dkim_pass);
  w.flag(r.spf_pass);
  w.count(r.reasons.size());
  for (auto t : r.reasons) w.put(to_string(t));
  w.put(r.header_from);
  w.flag(r.envelope_from.has_value());
  w.put(r.envelope_from.value_or(""));
  w.put(r.envelope_to);
  w.count(r.dkim.size());
  for (const auto& d : r.dkim) {
    w.put(d.domain);
    w.put(d.selector);
    w.put(d.result);
  }
  w.put(r.spf_domain);
  w.flag(r.spf_scope.has_value());
  w.put(r.spf_result);
}

DmarcReportDisposition disposition_named(const std::string& s) {
  for (auto d : {DmarcReportDisposition::none, DmarcReportDisposition::pass,
                 DmarcReportDisposition::quarantine, DmarcReportDisposition::reject}) {
    if (s == to_string(d)) return d;
  }
  return DmarcReportDisposition::none;
}

DmarcOverrideType override_named(const std::string& s) {
  for (auto t : {DmarcOverrideType::local_policy, DmarcOverrideType::mailing_list, DmarcOverrideType::other,
                 DmarcOverrideType::policy_test_mode, DmarcOverrideType::trusted_forwarder}) {
    if (s == to_string(t)) return t;
  }
  return DmarcOverrideType::other;
}

DmarcReportRow decode(std::string_view key, uint64_t count) {
  Reader in(key);
  DmarcReportRow r;
  r.count = count;
  r.source_ip = in.text();
  r.disposition = disposition_named(in.text());
  r.dkim_pass = in.flag();
  r.spf_pass = in.flag();
  for (size_t n = in.number(); n > 0; --n) r.reasons.push_back(override_named(in.text()));
  r.header_from = in.text();
  bool has_from = in.flag();
  std::string from = in.text();
  if (has_from) r.envelope_from = from;
  r.envelope_to = in.text();
  for (size_t n = in.number(); n > 0; --n) {
    DmarcReportDkim d;
    d.domain = in.text();
    d.selector = in.text();
    d.result = in.text();
    r.dkim.push_back(std::move(d));
  }
  r.spf_domain = in.text();
  if (in.flag()) r.spf_scope = DmarcSpfScope::mfrom;
  r.spf_result = in.text();
  return r;
}

DmarcReportDisposition to_disposition(DmarcPolicy p) {
  switch (p) {
    case DmarcPolicy::quarantine:
      return DmarcReportDisposition::quarantine;
    case DmarcPolicy::reject:
      return DmarcReportDisposition::reject;
    case DmarcPolicy::none:
      break;
  }
  return DmarcReportDisposition::none;
}

}  // namespace

const char* to_string(DmarcReportDisposition d) {
  switch (d) {
    case DmarcReportDisposition::none:
      return "none";
    case DmarcReportDisposition::pass:
      return "pass";
    case DmarcReportDisposition::quarantine:
      return "quarantine";
    case DmarcReportDisposition::reject:
      return "reject";
  }
  return "none";
}

const char* to_string(DmarcOverrideType t) {
  switch (t) {
    case DmarcOverrideType::local_policy:
      return "local_policy";
    case DmarcOverrideType::mailing_list:
      return "mailing_list";
    case DmarcOverrideType::other:
      return "other";
    case DmarcOverrideType::policy_test_mode:
      return "policy_test_mode";
    case DmarcOverrideType::trusted_forwarder:
      return "trusted_forwarder";
  }
  return "other";
}

std::vector<DmarcReportRow> dmarc_report_rows(const DmarcLogEntry& e) {
  DmarcReportRow r;
  r.count = 1;
  r.source_ip = e.ip;
  r.header_from = e.header_from;
  r.dkim_pass = std::any_of(e.dkim.begin(), e.dkim.end(), [](const DmarcLogDkim& d) { return d.aligned; });
  r.spf_pass = e.spf_aligned;
  const bool failed = e.dmarc != DmarcResult::pass;
  const DmarcPolicy requested = e.policy.value_or(DmarcPolicy::none);
  r.disposition = to_disposition(e.disposition);
  // RFC 9990 "pass": no action, the message passed DMARC under an enforcing policy.
  if (!failed && e.disposition == DmarcPolicy::none && requested != DmarcPolicy::none)
    r.disposition = DmarcReportDisposition::pass;
  if (failed) {
    if (e.override_reason == DmarcOverride::forwarded)
      r.reasons.push_back(DmarcOverrideType::trusted_forwarder);
    if (e.override_reason == DmarcOverride::mailing_list)
      r.reasons.push_back(DmarcOverrideType::mailing_list);
    if (e.testing && e.p != DmarcPolicy::none) r.reasons.push_back(DmarcOverrideType::policy_test_mode);
    if (e.disposition != e.applied) r.reasons.push_back(DmarcOverrideType::local_policy);
  }
  if (e.envelope_from_known) r.envelope_from = e.envelope_from;
  // RFC 9990 2.1.4: strictly aligned passes, relaxed aligned passes, other passes, the rest.
  auto rank = [&](const DmarcLogDkim& d) {
    if (d.result != "pass") return 3;
    if (d.aligned) return d.domain == e.header_from ? 0 : 1;
    return 2;
  };
  std::vector<const DmarcLogDkim*> order;
  for (const auto& d : e.dkim) order.push_back(&d);
  std::stable_sort(order.begin(), order.end(),
                   [&](const DmarcLogDkim* a, const DmarcLogDkim* b) { return rank(*a) < rank(*b); });
  for (const DmarcLogDkim* d : order) {
    if (r.dkim.size() == kMaxReportDkimResults) break;
    r.dkim.push_back({d->domain, d->selector, d->result});
  }
  r.spf_domain = e.spf_domain;
  if (e.spf_scope == DmarcSpfScope::mfrom) r.spf_scope = DmarcSpfScope::mfrom;
  r.spf_result = e.spf_result;
  std::vector<DmarcReportRow> out;
  if (e.envelope_to.empty()) {
    out.push_back(std::move(r));
    return out;
  }
  for (size_t i = 0; i < e.envelope_to.size(); ++i) {
    if (std::find(e.envelope_to.begin(), e.envelope_to.begin() + static_cast<std::ptrdiff_t>(i),
                  e.envelope_to[i]) != e.envelope_to.begin() + static_cast<std::ptrdiff_t>(i))
      continue;  // a hand-edited line with a domain twice still counts the message once per domain
    out.push_back(r);
    out.back().envelope_to = e.envelope_to[i];
  }
  return out;
}

void DmarcReportAggregator::add_unreadable(const std::string& policy_domain) {
  if (!valid_dmarc_domain(policy_domain)) return;
  auto it = domains_.find(policy_domain);
  if (it == domains_.end()) {
    if (domains_.size() >= kMaxUnreportedDomains) return;
    it = domains_.emplace(policy_domain, Domain{}).first;
  }
  ++it->second.unreadable;
}

bool DmarcReportAggregator::add(const DmarcLogEntry& e) {
  ++stats_.entries;
  if (!e.has_record || !valid_dmarc_domain(e.policy_domain) || e.header_from.empty() ||
      !IpAddress::parse(e.ip)) {
    ++stats_.not_reportable;
    if (e.dmarc == DmarcResult::temperror && valid_dmarc_domain(e.policy_domain)) {
      auto it = domains_.find(e.policy_domain);
      if (it == domains_.end() && domains_.size() < kMaxUnreportedDomains)
        it = domains_.emplace(e.policy_domain, Domain{}).first;
      if (it != domains_.end()) ++it->second.temperrors;
    }
    return false;
  }
  Domain& d = domains_[e.policy_domain];
  d.reportable = true;
  ++d.messages;
  DmarcPublishedPolicy& p = d.policy;
  p.domain = e.policy_domain;
  p.p = e.p;
  p.sp = e.sp.value_or(e.p);
  p.np = e.np.value_or(p.sp);
  p.adkim = e.adkim;
  p.aspf = e.aspf;
  p.fo = e.fo.empty() ? "0" : e.fo;
  p.testing = e.testing;
  if (d.rua != e.rua) d.rua = e.rua;
  for (const auto& row : dmarc_report_rows(e)) {
    encode(row, key_);
    if (auto it = d.rows.find(key_); it != d.rows.end()) {
      ++it->second;
      continue;
    }
    d.rows.emplace(key_, 1);
    ++rows_;
  }
  return true;
}

std::vector<DmarcAggregate> DmarcReportAggregator::take() {
  std::vector<DmarcAggregate> out;
  for (auto& [name, d] : domains_) {
    if (!d.reportable) continue;  // only errors: no record seen, nothing to report or send to
    DmarcAggregate a;
    a.policy = d.policy;
    a.rua = d.rua;
    a.messages = d.messages;
    a.temperrors = d.temperrors;
    a.unreadable = d.unreadable;
    std::vector<std::pair<std::string, uint64_t>> rows(d.rows.begin(), d.rows.end());
    std::sort(rows.begin(), rows.end(), [](const auto& x, const auto& y) {
      return std::tie(y.second, x.first) < std::tie(x.second, y.first);
    });
    for (const auto& [key, count] : rows) {
      a.rows.push_back(decode(key, count));
    }
    out.push_back(std::move(a));
  }
  domains_.clear();
  rows_ = 0;
  return out;
}

}  // namespace postern
