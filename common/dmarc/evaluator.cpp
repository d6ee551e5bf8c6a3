// Implements DmarcEvaluator and decide_dmarc_action. Contract in evaluator.h.
#include "common/dmarc/evaluator.h"

#include "common/core/ascii.h"
#include "common/dmarc/author.h"
#include "common/dmarc/tree_walk.h"

namespace postern {
namespace {

std::string clean_domain(std::string_view d) {
  std::string s = ascii_lower(d);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

bool at_or_below(std::string_view domain, std::string_view parent) {
  if (domain == parent) return true;
  return domain.size() > parent.size() && domain.ends_with(parent) &&
         domain[domain.size() - parent.size() - 1] == '.';
}

// RFC 9989 "Domain Existence Test": a name exists when any record exists there; NXDOMAIN (RFC 8020)
// means it does not. One A query tells them apart (NODATA = exists). A failed query proves nothing,
// so the name is taken to exist; a name the DNS cannot carry (DnsStatus::bad_name) cannot exist.
bool domain_missing(Resolver& resolver, const std::string& domain, Deadline deadline, size_t& queries) {
  ++queries;
  const DnsStatus s = resolver.query(domain, RrType::A, deadline).status;
  return s == DnsStatus::nxdomain || s == DnsStatus::bad_name;
}

// Organizational Domains for relaxed alignment, bounded per message.
class OrgDomains {
 public:
  explicit OrgDomains(DmarcTreeWalk& walk) : walk_(walk) {}
  // nullopt + detail on temperror (temporary = true) or when the walk budget is spent (false: the
  // identifier then simply does not align, so extra signatures cannot turn a fail into temperror).
  std::optional<std::string> of(const std::string& domain, std::string& detail, bool& temporary) {
    temporary = false;
    for (const auto& [d, org] : done_) {
      if (d == domain) return org;
    }
    if (done_.size() >= kMaxOrgWalks) {
      detail = "too many domains to walk";
      return std::nullopt;
    }
    OrgDomain o = walk_.org_domain(domain);
    if (o.temperror) {
      detail = "temperror at _dmarc." + o.domain + ": " + o.how;
      temporary = true;
      return std::nullopt;
    }
    done_.emplace_back(domain, o.domain);
    return o.domain;
  }

 private:
  DmarcTreeWalk& walk_;
  std::vector<std::pair<std::string, std::string>> done_;
};

// Step 1: the one author (dmarc_author) and a domain the DNS walk can use; false when there is
// none (v says author_error or permerror, and why).
bool find_author(const DmarcInput& in, DmarcVerdict& v) {
  auto author = dmarc_author(in.from);
  if (!author) {
    v.result = DmarcResult::author_error;
    v.reason = author.error().message;
    return false;
  }
  v.author = author->str();
  v.author_domain = author->ascii_domain();
  if (v.author_domain.empty() || !valid_dmarc_domain(v.author_domain)) {
    v.result = DmarcResult::permerror;
    v.reason = "author domain is not a usable DNS name";
    v.author_domain.clear();
    return false;
  }
  return true;
}

// Step 2: the record the tree walk found; false when there is none to use (a DNS failure is
// temperror, no record none).
bool use_policy(const PolicyDiscovery& found, DmarcVerdict& v) {
  if (found.status == DmarcLookupStatus::temperror) {
    v.result = DmarcResult::temperror;
    v.reason = "policy lookup at _dmarc." + found.at.domain + " failed: " + found.at.note;
    return false;
  }
  if (found.status == DmarcLookupStatus::none) {
    v.result = DmarcResult::none;
    v.reason = "no DMARC record for " + v.author_domain + " or its parents";
    return false;
  }
  v.record = found.at.record;
  v.record_text = found.at.text;
  v.policy_domain = found.at.domain;
  v.policy_source = found.source;
  v.testing = found.at.record.testing;
  return true;
}

// Step 3: which tag of the record applies: p at the author domain itself, else np when the author
// domain does not exist and np is given, else sp when given, else p.
void choose_policy_tag(const PolicyDiscovery& found, Resolver& resolver, Deadline deadline, DmarcVerdict& v,
                       size_t& queries) {
  const DmarcRecord& rec = found.at.record;
  if (found.at.domain == v.author_domain) {
    v.policy_tag = DmarcPolicyTag::p;
    v.requested = rec.p;
  } else if (rec.np && domain_missing(resolver, v.author_domain, deadline, queries)) {
    v.author_domain_missing = true;
    v.policy_tag = DmarcPolicyTag::np;
    v.requested = *rec.np;
  } else if (rec.sp) {
    v.policy_tag = DmarcPolicyTag::sp;
    v.requested = *rec.sp;
  } else {
    v.policy_tag = DmarcPolicyTag::p;
    v.requested = rec.p;
  }
}

// Step 4: Identifier Alignment of one identifier with the author domain, and what DNS trouble left
// undecided.
class Alignment {
 public:
  Alignment(DmarcTreeWalk& walk, const std::string& author_domain)
      : orgs_(walk), author_domain_(author_domain) {}

  void need_author_org() {
    if (org_done_) return;
    author_org_ = orgs_.of(author_domain_, org_detail_, org_temporary_);
    org_done_ = true;
  }
  std::string author_org() const { return author_org_.value_or(""); }

  DmarcAlignmentCheck check(std::string method, std::string_view domain_in, AuthResult result_in,
                            DmarcAlign mode) {
    DmarcAlignmentCheck c;
    c.method = std::move(method);
    c.domain = clean_domain(domain_in);
    c.result = result_in;
    c.mode = mode;
    // A temperror is checked for alignment like a pass: if it would align, DMARC cannot tell
    // pass from fail (the DNS trouble may be all that stands between the message and a pass).
    const bool temporary = c.result == AuthResult::temperror;
    if (c.result != AuthResult::pass && !temporary) {
      c.detail = "not a pass";
    } else if (c.domain == author_domain_) {
      c.aligned = true;
      c.detail = "same domain";
    } else if (mode == DmarcAlign::strict) {
      c.detail = "strict alignment needs the same domain";
    } else if (!valid_dmarc_domain(c.domain)) {
      c.detail = "not a usable DNS name";
    } else if (need_author_org(); !author_org_) {
      c.detail = "organizational domain of " + author_domain_ + " unknown (" + org_detail_ + ")";
      temp_failure = temp_failure || org_temporary_;
    } else if (!at_or_below(c.domain, *author_org_)) {
      c.detail = "not in organizational domain " + *author_org_;
    } else {
      std::string detail;
      bool temporary_org = false;
      auto org = orgs_.of(c.domain, detail, temporary_org);
      if (!org) {
        c.detail = "organizational domain unknown (" + detail + ")";
        temp_failure = temp_failure || temporary_org;
      } else if (*org == *author_org_) {
        c.aligned = true;
        c.detail = "same organizational domain " + *org;
      } else {
        c.detail = "organizational domain " + *org + " differs from " + *author_org_;
      }
    }
    if (temporary) {
      if (c.aligned) temp_identifier = true;
      c.detail = std::string(c.aligned ? "temporary error in an identifier that would align ("
                                       : "temporary error (") +
                 c.detail + ")";
      c.aligned = false;
    }
    return c;
  }

  bool temp_failure = false;     // an organizational domain lookup failed
  bool temp_identifier = false;  // an SPF or DKIM temperror for an identifier that would align

 private:
  OrgDomains orgs_;
  const std::string& author_domain_;
  std::string org_detail_;
  bool org_temporary_ = false;
  bool org_done_ = false;
  std::optional<std::string> author_org_;
};

// Step 4 over the message: each DKIM result (at most kMaxDkimChecks), then SPF.
void check_alignment(const DmarcInput& in, const DmarcRecord& rec, Alignment& align, DmarcVerdict& v) {
  size_t n = 0;
  for (const auto& d : in.dkim) {
    if (++n > kMaxDkimChecks) break;
    auto c = align.check("dkim", d.domain, d.result, rec.adkim);
    v.dkim_aligned = v.dkim_aligned || c.aligned;
    v.alignment.push_back(std::move(c));
  }
  if (!in.spf_domain.empty() || in.spf_result) {
    auto c = align.check("spf", in.spf_domain, in.spf_result.value_or(AuthResult::none), rec.aspf);
    v.spf_aligned = c.aligned;
    v.alignment.push_back(std::move(c));
  }
}

// Step 5: pass (any aligned pass), temperror (DNS trouble left it undecided) or fail with the
// policy to apply; true for fail, the only result local overrides look at.
bool conclude(const Alignment& align, DmarcVerdict& v) {
  std::string where = "record at _dmarc." + v.policy_domain;
  if (v.dkim_aligned || v.spf_aligned) {
    v.result = DmarcResult::pass;
    for (const auto& c : v.alignment) {
      if (c.aligned) {
        v.reason = "aligned " + c.method + " pass for " + c.domain + " (" + c.detail + "), " + where;
        break;
      }
    }
    return false;
  }
  if (align.temp_failure || align.temp_identifier) {
    v.result = DmarcResult::temperror;
    v.reason = std::string("alignment undecided: ") +
               (align.temp_failure ? "organizational domain lookup failed, "
                                   : "temporary error in an aligned SPF or DKIM identifier, ") +
               where;
    return false;
  }
  v.result = DmarcResult::fail;
  v.reason = "no aligned SPF or DKIM pass for " + v.author_domain + ", " + where;
  if (v.testing) v.reason += " (t=y: testing, policy not applied)";
  v.applied = v.evaluated_policy();
  return true;
}

// Step 6: mail from a trusted forwarder, or with a passing identifier at or below a mailing list
// domain, never gets reject: quarantine instead.
void apply_local_overrides(const DmarcInput& in, const std::vector<IpNetwork>& forwarders,
                           const std::vector<std::string>& list_domains, DmarcVerdict& v) {
  if (v.applied != DmarcPolicy::reject) return;
  bool forwarded = false;
  if (in.client_ip) {
    for (const auto& net : forwarders) {
      if (net.contains(*in.client_ip)) forwarded = true;
    }
  }
  bool listed = false;
  for (const auto& c : v.alignment) {
    if (c.result != AuthResult::pass) continue;
    for (const auto& l : list_domains) {
      if (at_or_below(c.domain, l)) listed = true;
    }
  }
  if (forwarded || listed) {
    v.override_reason = forwarded ? DmarcOverride::forwarded : DmarcOverride::mailing_list;
    v.applied = DmarcPolicy::quarantine;
    v.reason += forwarded ? "; trusted forwarder, reject lowered to quarantine"
                          : "; mailing list, reject lowered to quarantine";
  }
}

}  // namespace

const char* to_string(DmarcResult r) {
  switch (r) {
    case DmarcResult::pass:
      return "pass";
    case DmarcResult::fail:
      return "fail";
    case DmarcResult::none:
      return "none";
    case DmarcResult::temperror:
      return "temperror";
    case DmarcResult::permerror:
      return "permerror";
    case DmarcResult::author_error:
      return "author_error";
  }
  return "none";
}

const char* to_string(DmarcPolicyTag t) {
  switch (t) {
    case DmarcPolicyTag::p:
      return "p";
    case DmarcPolicyTag::sp:
      return "sp";
    case DmarcPolicyTag::np:
      return "np";
  }
  return "p";
}

const char* to_string(DmarcOverride o) {
  switch (o) {
    case DmarcOverride::none:
      return "none";
    case DmarcOverride::forwarded:
      return "forwarded";
    case DmarcOverride::mailing_list:
      return "mailing_list";
  }
  return "none";
}

const char* to_string(DmarcAction a) {
  switch (a) {
    case DmarcAction::accept:
      return "accept";
    case DmarcAction::reject:
      return "reject";
    case DmarcAction::hold:
      return "hold";
    case DmarcAction::header:
      return "header";
    case DmarcAction::tempfail:
      return "tempfail";
  }
  return "accept";
}

AuthResult auth_result(DmarcResult r) {
  switch (r) {
    case DmarcResult::pass:
      return AuthResult::pass;
    case DmarcResult::fail:
      return AuthResult::fail;
    case DmarcResult::none:
      return AuthResult::none;
    case DmarcResult::temperror:
      return AuthResult::temperror;
    case DmarcResult::permerror:
    case DmarcResult::author_error:
      return AuthResult::permerror;
  }
  return AuthResult::permerror;
}

authres::MethodResult DmarcVerdict::authres() const {
  authres::MethodResult m;
  m.method = "dmarc";
  m.result = auth_result(result);
  m.reason = reason;
  if (!author_domain.empty()) m.properties.emplace_back("header.from", author_domain);
  if (record) m.properties.emplace_back("policy.dmarc", to_string(evaluated_policy()));
  return m;
}

DmarcEvaluator::DmarcEvaluator(Resolver& resolver, const DmarcConfig& config)
    : resolver_(resolver), forwarders_(config.trusted_forwarders) {
  for (const auto& d : config.mailing_list_domains) {
    std::string c = clean_domain(d);
    if (!c.empty()) list_domains_.push_back(c);
  }
}

DmarcVerdict DmarcEvaluator::evaluate(const DmarcInput& in, Deadline deadline) const {
  DmarcVerdict v;
  if (!find_author(in, v)) return v;
  DmarcTreeWalk walk(resolver_, deadline);
  PolicyDiscovery found = walk.find_policy(v.author_domain);
  if (!use_policy(found, v)) {
    v.dns_queries = walk.queries();
    return v;
  }
  size_t extra_queries = 0;
  choose_policy_tag(found, resolver_, deadline, v, extra_queries);
  // The author's Organizational Domain: already known (no extra query) when the policy came from
  // above the author domain; otherwise walked only when a relaxed check needs it (RFC 9989: no
  // tree walk for identical domains or strict alignment).
  Alignment align(walk, v.author_domain);
  if (found.source != DmarcPolicySource::author_domain) align.need_author_org();
  check_alignment(in, *v.record, align, v);
  v.org_domain = align.author_org();
  v.dns_queries = walk.queries() + extra_queries;
  if (!conclude(align, v)) return v;
  apply_local_overrides(in, forwarders_, list_domains_, v);
  return v;
}

DmarcDecision decide_dmarc_action(const DmarcVerdict& v, const DmarcConfig& c) {
  DmarcDecision d;
  if (!c.enforce) return d;
  auto quarantine = [&](DmarcAction how) {
    d.action = how;
    d.disposition = "quarantine";
  };
  if (v.result == DmarcResult::author_error) {
    switch (c.author_error_action) {
      case DmarcAuthorErrorAction::reject:
        d.action = DmarcAction::reject;
        d.disposition = "reject";
        d.reply = c.reject_text;
        break;
      case DmarcAuthorErrorAction::hold:
        quarantine(DmarcAction::hold);
        break;
      case DmarcAuthorErrorAction::header:
        quarantine(DmarcAction::header);
        break;
      case DmarcAuthorErrorAction::accept:
        break;
    }
    return d;
  }
  if (v.result == DmarcResult::temperror) {
    // A known p=none (or t=y) policy asks for nothing; otherwise the policy may be reject.
    bool nothing_asked = v.record && (v.testing || v.evaluated_policy() == DmarcPolicy::none);
    if (!nothing_asked && c.temperror_action == DmarcTemperrorAction::tempfail) {
      d.action = DmarcAction::tempfail;
      d.reply =
          "4.7.5 The DMARC policy of " + v.author_domain + " could not be evaluated (DNS), try again later";
    }
    return d;
  }
  if (v.result != DmarcResult::fail) return d;
  if (v.applied == DmarcPolicy::reject) {
    d.action = DmarcAction::reject;
    d.disposition = "reject";
    d.reply = c.reject_text;
  } else if (v.applied == DmarcPolicy::quarantine) {
    switch (c.quarantine_action) {
      case DmarcQuarantineAction::hold:
        quarantine(DmarcAction::hold);
        break;
      case DmarcQuarantineAction::header:
        quarantine(DmarcAction::header);
        break;
      case DmarcQuarantineAction::accept:
        break;
    }
  }
  return d;
}

}  // namespace postern
