// Implements SpfEvaluator. Contract in evaluator.h.
#include "common/spf/evaluator.h"

#include <algorithm>

#include "common/core/ascii.h"
#include "common/spf/macro.h"
#include "common/spf/record.h"

namespace postern {

const char* to_string(SpfIdentity i) { return i == SpfIdentity::helo ? "helo" : "mailfrom"; }

namespace {

constexpr int kMaxDepth = 20;  // include/redirect nesting; the lookup limit stops loops sooner

// RFC 7208 4.3: a multi-label name, labels of 1..63 bytes, at most 253 bytes; printable ASCII
// without '[', ']' or '@', and a top label that is not all digits (so no address literals).
bool valid_domain(std::string_view d) {
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  if (d.empty() || d.size() > 253 || d.find('.') == std::string_view::npos) return false;
  for (char c : d) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '[' || c == ']' || c == '@') return false;
  }
  std::string_view top = d.substr(d.rfind('.') + 1);
  if (std::all_of(top.begin(), top.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  size_t start = 0;
  while (start <= d.size()) {
    size_t dot = d.find('.', start);
    size_t len = (dot == std::string_view::npos ? d.size() : dot) - start;
    if (len == 0 || len > 63) return false;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// A name the DNS can carry: labels of 1..63 bytes, at most 253 bytes, an optional final dot.
bool queryable(std::string_view d) {
  if (!d.empty() && d.back() == '.') d.remove_suffix(1);
  if (d.empty() || d.size() > 253) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = d.find('.', start);
    size_t len = (dot == std::string_view::npos ? d.size() : dot) - start;
    if (len == 0 || len > 63) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

SpfResult from_qualifier(SpfQualifier q) {
  switch (q) {
    case SpfQualifier::pass:
      return SpfResult::pass;
    case SpfQualifier::fail:
      return SpfResult::fail;
    case SpfQualifier::softfail:
      return SpfResult::softfail;
    case SpfQualifier::neutral:
      return SpfResult::neutral;
  }
  return SpfResult::neutral;
}

bool is_void(const DnsResult& r) { return r.status == DnsStatus::nxdomain || r.status == DnsStatus::nodata; }

}  // namespace

struct SpfEvaluator::Run {
  const SpfEvaluator& ev;
  IpAddress ip;
  std::string sender, helo;
  Deadline deadline;
  int64_t now = 0;
  SpfVerdict& out;
  int depth = 0;
  int include_depth = 0;  // exp= of an included record is never used; a redirect target's is (6.2)
  std::string validated;  // %{p}, looked up once when first needed

  struct Outcome {
    SpfResult result;
    std::string reason;
  };

  void note(std::string line) {
    if (out.trail.size() < 200) out.trail.push_back(std::move(line));
  }

  SpfMacroContext macro_context(const std::string& domain) {
    SpfMacroContext c;
    c.sender = sender;
    c.domain = domain;
    c.ip = ip;
    c.helo = helo;
    c.receiver = ev.receiver_;
    c.timestamp = now;
    c.validated_name = validated.empty() ? "unknown" : validated;
    return c;
  }

  // Counts a DNS-querying term; false once the limit is passed.
  bool count_term() { return ++out.dns_terms <= ev.limits_.dns_terms; }
  bool count_void(const DnsResult& r) { return !is_void(r) || ++out.void_lookups <= ev.limits_.void_lookups; }

  RrType addr_type() const { return ip.v6 ? RrType::AAAA : RrType::A; }

  bool addr_matches(const std::vector<DnsRecord>& recs, int cidr4, int cidr6) {
    for (const auto& r : recs) {
      auto a = IpAddress::parse(r.text);
      if (!a || a->v6 != ip.v6) continue;
      int len = ip.v6 ? cidr6 : cidr4;
      if (a->masked(len) == ip.masked(len)) return true;
    }
    return false;
  }

  // Names from the PTR of the client that resolve back to it (RFC 7208 5.5), at most ptr_names.
  Result<std::vector<std::string>> validated_names() {
    auto ptr = ev.resolver_.query(ip.ptr_name(), RrType::PTR, deadline);
    note("PTR " + ip.ptr_name() + ": " +
         (ptr.ok() ? std::to_string(ptr.records.size()) + " names" : to_string(ptr.status)));
    std::vector<std::string> out_names;
    if (!ptr.ok()) return out_names;  // errors make ptr fail to match (5.5)
    std::vector<DnsQuery> qs;
    for (const auto& r : ptr.records) {
      if (qs.size() >= static_cast<size_t>(ev.limits_.ptr_names)) break;
      qs.push_back({r.text, addr_type()});
    }
    auto answers = ev.resolver_.query_all(qs, deadline);
    for (size_t i = 0; i < answers.size(); ++i) {
      if (answers[i].ok() && addr_matches(answers[i].records, 32, 128))
        out_names.push_back(ascii_lower(qs[i].name));
    }
    return out_names;
  }

  // RFC 7208 7.3 for %{p}: the domain itself if validated, else a validated subdomain of it, else
  // any validated name, else "unknown".
  static std::string pick_validated(const std::vector<std::string>& names, const std::string& domain) {
    for (const auto& n : names) {
      if (n == domain) return n;
    }
    for (const auto& n : names) {
      if (n.size() > domain.size() && n.compare(n.size() - domain.size(), domain.size(), domain) == 0 &&
          n[n.size() - domain.size() - 1] == '.')
        return n;
    }
    return names.empty() ? "unknown" : names.front();
  }

  Result<std::string> expand(const std::string& spec, const std::string& domain) {
    if (spec.find("%{p") != std::string::npos || spec.find("%{P") != std::string::npos) {
      if (validated.empty()) {
        // The lookups behind %{p} count once against the DNS-term limit.
        if (!count_term()) return Error::perm("more than 10 DNS lookups");
        auto names = validated_names();
        validated = names ? pick_validated(*names, ascii_lower(domain)) : "unknown";
      }
    }
    return expand_spf_macros(spec, macro_context(domain), false);
  }

  std::string explanation(const SpfRecord& rec, const std::string& domain) {
    if (rec.exp.empty()) return "";
    auto target = expand(rec.exp, domain);
    if (!target || !valid_domain(*target)) return "";
    auto txt = ev.resolver_.query(*target, RrType::TXT, deadline);
    if (!txt.ok() || txt.records.size() != 1) return "";
    auto text = expand_spf_macros(txt.records[0].text, macro_context(domain), true);
    if (!text) return "";
    std::string clean;
    for (char c : *text) clean += (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) ? c : ' ';
    return clean.substr(0, 512);
  }

  Outcome check_host(const std::string& domain_in) {
    std::string domain = ascii_lower(domain_in);
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    if (++depth > kMaxDepth) return {SpfResult::permerror, "include/redirect nesting too deep"};
    if (!valid_domain(domain)) return {SpfResult::none, "\"" + domain + "\" is not a valid domain name"};
    auto txt = ev.resolver_.query(domain, RrType::TXT, deadline);
    if (txt.temporary_failure()) {
      note("TXT " + domain + ": " + to_string(txt.status));
      return {SpfResult::temperror, "DNS " + std::string(to_string(txt.status)) + " for TXT " + domain};
    }
    std::vector<std::string> spf;
    for (const auto& r : txt.records) {
      if (is_spf_record(r.text)) spf.push_back(r.text);
    }
    if (spf.empty()) {
      note("TXT " + domain + ": no SPF record (" + to_string(txt.status) + ")");
      return {SpfResult::none, "no SPF record for " + domain};
    }
    if (spf.size() > 1) {
      note("TXT " + domain + ": " + std::to_string(spf.size()) + " SPF records");
      return {SpfResult::permerror, domain + " has more than one SPF record"};
    }
    note("TXT " + domain + ": " + spf[0]);
    auto rec = parse_spf_record(spf[0]);
    if (!rec) return {SpfResult::permerror, domain + ": " + rec.error().message};

    for (const auto& t : rec->terms) {
      auto m = match(t, domain);
      if (m.result == SpfResult::temperror || m.result == SpfResult::permerror) return m;
      if (m.result != SpfResult::pass) continue;  // pass here means "matched"
      SpfResult r = from_qualifier(t.qualifier);
      note("matched " + t.text + " -> " + to_string(r));
      if (r == SpfResult::fail && include_depth == 0) out.explanation = explanation(*rec, domain);
      return {r, "matched " + t.text + " in the SPF record of " + domain};
    }
    if (!rec->redirect.empty()) {
      if (!count_term()) return {SpfResult::permerror, "more than 10 DNS lookups"};
      auto target = expand(rec->redirect, domain);
      if (!target) return {SpfResult::permerror, "redirect: " + target.error().message};
      note("redirect=" + *target);
      auto r = check_host(*target);
      if (r.result == SpfResult::none)
        return {SpfResult::permerror, "redirect to " + *target + ": no SPF record"};
      return r;
    }
    note("no mechanism matched -> neutral");
    return {SpfResult::neutral, "no mechanism matched in the SPF record of " + domain};
  }

  // pass = the mechanism matched, neutral = it did not; temperror/permerror end the evaluation.
  Outcome match(const SpfTerm& t, const std::string& domain) {
    const Outcome yes{SpfResult::pass, ""}, no{SpfResult::neutral, ""};
    auto too_many = [] { return Outcome{SpfResult::permerror, "more than 10 DNS lookups"}; };
    auto too_void = [] { return Outcome{SpfResult::permerror, "more than 2 void DNS lookups"}; };
    auto target_of = [&](std::string& target) -> std::optional<Outcome> {
      if (t.domain_spec.empty()) {
        target = domain;
        return std::nullopt;
      }
      auto e = expand(t.domain_spec, domain);
      if (!e) return Outcome{SpfResult::permerror, t.text + ": " + e.error().message};
      target = *e;
      // A name the DNS cannot carry (empty or over-long labels) matches nothing, without a query.
      if (t.mechanism != SpfMechanism::include && !queryable(target)) {
        note(t.text + ": \"" + target + "\" is no valid DNS name, no match");
        return no;
      }
      return std::nullopt;
    };
    auto dns_fail = [&](const std::string& what, const DnsResult& r) {
      note(what + ": " + to_string(r.status));
      return Outcome{SpfResult::temperror, "DNS " + std::string(to_string(r.status)) + " for " + what};
    };
    switch (t.mechanism) {
      case SpfMechanism::all:
        return yes;
      case SpfMechanism::ip4:
      case SpfMechanism::ip6:
        // An ip6 network never matches an IPv4 client, not even as ::ffff:a.b.c.d (RFC 7208 5.6).
        return t.network->base.v6 == ip.v6 && t.network->contains(ip) ? yes : no;
      case SpfMechanism::a: {
        if (!count_term()) return too_many();
        std::string target;
        if (auto err = target_of(target)) return *err;
        auto r = ev.resolver_.query(target, addr_type(), deadline);
        if (r.temporary_failure()) return dns_fail(std::string(to_string(addr_type())) + " " + target, r);
        if (!count_void(r)) return too_void();
        bool hit = r.ok() && addr_matches(r.records, t.cidr4, t.cidr6);
        note(t.text + ": " + to_string(addr_type()) + " " + target + (hit ? " matches" : " does not match"));
        return hit ? yes : no;
      }
      case SpfMechanism::mx: {
        if (!count_term()) return too_many();
        std::string target;
        if (auto err = target_of(target)) return *err;
        auto mx = ev.resolver_.query(target, RrType::MX, deadline);
        if (mx.temporary_failure()) return dns_fail("MX " + target, mx);
        if (!count_void(mx)) return too_void();
        if (mx.records.size() > static_cast<size_t>(ev.limits_.mx_names))
          return {SpfResult::permerror, "more than 10 MX names for " + target};
        std::vector<DnsQuery> qs;
        for (const auto& r : mx.records) {
          if (!r.text.empty() && r.text != ".") qs.push_back({r.text, addr_type()});
        }
        auto answers = ev.resolver_.query_all(qs, deadline);
        bool hit = false;
        for (const auto& a : answers) {
          if (a.temporary_failure()) return dns_fail("MX host address", a);
          hit |= a.ok() && addr_matches(a.records, t.cidr4, t.cidr6);
        }
        note(t.text + ": MX " + target + " (" + std::to_string(qs.size()) + " hosts)" +
             (hit ? " matches" : " does not match"));
        return hit ? yes : no;
      }
      case SpfMechanism::ptr: {
        if (!count_term()) return too_many();
        std::string target;
        if (auto err = target_of(target)) return *err;
        auto names = validated_names();
        std::string lower = ascii_lower(target);
        bool hit = false;
        for (const auto& n : *names) {
          hit |= n == lower ||
                 (n.size() > lower.size() && n.compare(n.size() - lower.size(), lower.size(), lower) == 0 &&
                  n[n.size() - lower.size() - 1] == '.');
        }
        note(t.text + ": " + (hit ? "matches" : "does not match"));
        return hit ? yes : no;
      }
      case SpfMechanism::exists: {
        if (!count_term()) return too_many();
        std::string target;
        if (auto err = target_of(target)) return *err;
        auto r = ev.resolver_.query(target, RrType::A, deadline);
        if (r.temporary_failure()) return dns_fail("A " + target, r);
        if (!count_void(r)) return too_void();
        note(t.text + ": A " + target + (r.ok() ? " exists" : " does not exist"));
        return r.ok() ? yes : no;
      }
      case SpfMechanism::include: {
        if (!count_term()) return too_many();
        std::string target;
        if (auto err = target_of(target)) return *err;
        note("include:" + target);
        ++include_depth;
        auto r = check_host(target);
        --include_depth;
        --depth;
        switch (r.result) {
          case SpfResult::pass:
            return yes;
          case SpfResult::fail:
          case SpfResult::softfail:
          case SpfResult::neutral:
            return no;
          case SpfResult::temperror:
            return r;
          case SpfResult::none:
            return {SpfResult::permerror, "include:" + target + " has no SPF record"};
          case SpfResult::permerror:
          case SpfResult::policy:  // not an SPF result
            return r;
        }
        return no;
      }
    }
    return no;
  }
};

SpfVerdict SpfEvaluator::check_mail_from(const IpAddress& ip, std::string_view mail_from,
                                         std::string_view helo, Deadline deadline, int64_t now_unix) const {
  std::string mf(mail_from);
  if (mf.size() >= 2 && mf.front() == '<' && mf.back() == '>') mf = mf.substr(1, mf.size() - 2);
  SpfVerdict out;
  out.identity = SpfIdentity::mailfrom;
  std::string sender, domain;
  size_t at = mf.rfind('@');
  if (mf.empty() || at == std::string::npos) {
    sender = "postmaster@" + std::string(helo);
    domain = std::string(helo);
  } else {
    sender = (at == 0 ? "postmaster" : mf.substr(0, at)) + mf.substr(at);
    domain = mf.substr(at + 1);
  }
  out.sender = sender;
  out.domain = ascii_lower(domain);
  Run run{*this, ip.unmapped(), sender, std::string(helo), deadline, now_unix, out, 0, 0, {}};
  auto r = run.check_host(domain);
  out.result = r.result;
  out.reason = r.reason;
  return out;
}

SpfVerdict SpfEvaluator::check_helo(const IpAddress& ip, std::string_view helo, Deadline deadline,
                                    int64_t now_unix) const {
  SpfVerdict out;
  out.identity = SpfIdentity::helo;
  out.sender = "postmaster@" + std::string(helo);
  out.domain = ascii_lower(helo);
  Run run{*this, ip.unmapped(), out.sender, std::string(helo), deadline, now_unix, out, 0, 0, {}};
  auto r = run.check_host(std::string(helo));
  out.result = r.result;
  out.reason = r.reason;
  return out;
}

}  // namespace postern
