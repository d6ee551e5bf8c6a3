// Implements the inbound steps. Contract in inbound.h.
#include "common/message/inbound.h"

#include <algorithm>

#include "common/core/ascii.h"

namespace postern {
namespace {

// Splits "5.7.1 text" into xcode and text; without an enhanced code, xcode is def.
std::pair<std::string, std::string> split_reply(const std::string& reply, const std::string& def) {
  size_t sp = reply.find(' ');
  if (sp != std::string::npos && sp >= 5 && reply[1] == '.' && (reply[0] == '4' || reply[0] == '5'))
    return {reply.substr(0, sp), reply.substr(sp + 1)};
  return {def, reply};
}

}  // namespace

std::optional<Verdict> spf_rejection(const SpfVerdict& v, const SpfConfig& config,
                                     const std::string& client) {
  if (v.result != SpfResult::fail || config.fail_action != SpfFailAction::reject) return std::nullopt;
  std::string text = "SPF: " + v.domain + " does not allow " + client + " to send its mail";
  if (!v.explanation.empty()) text += ": " + v.explanation.substr(0, 200);
  return Verdict::reject("550", "5.7.23", text);
}

authres::MethodResult spf_method_result(const SpfVerdict& v, const std::string& envelope_from,
                                        const std::string& helo) {
  authres::MethodResult r{"spf", v.result, v.reason, {}};
  if (v.sender.rfind("postmaster@", 0) == 0 && envelope_domain(envelope_from).empty())
    r.properties.emplace_back("smtp.helo", helo);
  else
    r.properties.emplace_back("smtp.mailfrom", v.sender);
  return r;
}

std::string received_spf_value(const SpfVerdict& v, const std::string& authserv_id, const std::string& client,
                               const std::string& helo) {
  std::string rs = std::string(to_string(v.result)) + " (" + authserv_id + ": " + v.reason +
                   ") client-ip=" + client + "; envelope-from=\"" + v.sender +
                   "\"; helo=" + (helo.empty() ? "unknown" : helo) + "; identity=" + to_string(v.identity) +
                   "; receiver=" + authserv_id + ";";
  std::string clean;
  for (char ch : rs) clean += (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) ? ' ' : ch;
  return clean.substr(0, kMaxReceivedSpfBytes);
}

std::vector<authres::MethodResult> dkim_method_results(const DkimVerification& v) {
  std::vector<authres::MethodResult> out;
  if (v.signatures.empty()) out.push_back({"dkim", AuthResult::none, "", {}});
  for (const auto& s : v.signatures) {
    authres::MethodResult r{"dkim", s.result, s.reason, {}};
    r.properties.emplace_back("header.d", s.domain);
    if (!s.identity.empty()) r.properties.emplace_back("header.i", s.identity);
    r.properties.emplace_back("header.s", s.selector);
    r.properties.emplace_back("header.a", s.algorithm);
    if (!s.b.empty()) r.properties.emplace_back("header.b", s.b);
    out.push_back(std::move(r));
  }
  return out;
}

DmarcInput dmarc_input(const MessageFacts& f) {
  DmarcInput din;
  din.from = f.from;
  din.client_ip = f.client_ip;
  din.spf_domain = envelope_domain(f.envelope_from);
  din.spf_result = AuthResult::none;
  if (f.spf) {
    din.spf_domain = f.spf->domain;
    din.spf_result = f.spf->result;
  }
  if (f.dkim) {
    for (const auto& s : f.dkim->signatures) din.dkim.push_back({s.domain, s.result});
  }
  return din;
}

std::string envelope_domain(const std::string& address) {
  size_t at = address.rfind('@');
  if (at == std::string::npos) return std::string();
  std::string d = address.substr(at + 1);
  if (!d.empty() && d.back() == '>') d.pop_back();
  return ascii_lower(d);
}

void add_rcpt_domain(MessageFacts& f, const std::string& address) {
  if (f.rcpt_domains.size() >= kMaxReportRcptDomains) return;
  std::string d = envelope_domain(address);
  if (d.empty() || d.size() > kMaxReportValueBytes) return;
  if (std::find(f.rcpt_domains.begin(), f.rcpt_domains.end(), d) != f.rcpt_domains.end()) return;
  f.rcpt_domains.push_back(std::move(d));
}

DmarcReportFacts dmarc_report_facts(const MessageFacts& f) {
  DmarcReportFacts r;
  r.envelope_from = envelope_domain(f.envelope_from);
  r.envelope_to = f.rcpt_domains;
  if (f.spf && f.spf->identity == SpfIdentity::helo) r.spf_scope = DmarcSpfScope::helo;
  if (f.dkim) {
    for (const auto& s : f.dkim->signatures) r.dkim_selectors.push_back(s.selector);
  }
  return r;
}

std::string local_domain_claim(const MessageFacts& f, const MessagePolicy& policy, const DmarcInput& in) {
  if (policy.local_domains.empty() || f.from.fields != 1) return "";
  const auto& forwarders = policy.dmarc.trusted_forwarders;
  if (f.client_ip && std::any_of(forwarders.begin(), forwarders.end(),
                                 [&](const IpNetwork& n) { return n.contains(*f.client_ip); }))
    return "";
  if (!f.from.author) return "";  // DMARC's author rule judges these
  std::string domain = f.from.author->ascii_domain();
  if (std::find(policy.local_domains.begin(), policy.local_domains.end(), domain) ==
      policy.local_domains.end())
    return "";
  for (const auto& d : in.dkim) {
    if (d.result == AuthResult::pass && ascii_lower(d.domain) == domain) return "";
  }
  return domain;
}

ClaimOutcome outside_claim_outcome(const std::string& domain, const SenderConfig& config) {
  ClaimOutcome o;
  if (domain.empty() || config.outside_action == OutsideAction::accept) return o;
  if (config.outside_action == OutsideAction::reject) {
    o.verdict = Verdict::reject(
        "550", "5.7.1",
        "Mail from " + domain + " must come through its own mail servers or carry its DKIM signature");
  } else {
    o.edit = HeaderEdit{HeaderEdit::Op::add, "X-Postern-Local-Domain-Warning",
                        "From: claims our domain " + domain + " without its DKIM signature", 0};
  }
  return o;
}

DmarcOutcome dmarc_outcome(const DmarcVerdict& v, const DmarcDecision& d) {
  DmarcOutcome o;
  switch (d.action) {
    case DmarcAction::reject: {
      auto [x, text] = split_reply(d.reply, "5.7.1");
      o.verdict = Verdict::reject("550", x, text);
      break;
    }
    case DmarcAction::tempfail: {
      auto [x, text] = split_reply(d.reply, "4.7.5");
      o.verdict = Verdict::tempfail("451", x, text);
      break;
    }
    case DmarcAction::hold:
      o.quarantine = "DMARC policy of " + v.author_domain + ": " + v.reason;
      break;
    case DmarcAction::header:
      o.edit = HeaderEdit{HeaderEdit::Op::add, "X-Postern-DMARC", "quarantine", 0};
      break;
    case DmarcAction::accept:
      break;
  }
  return o;
}

std::optional<DmarcStep> decide_inbound(const MessageFacts& f, const MessagePolicy& policy,
                                        const DmarcEvaluator* dmarc, Deadline deadline, EomResult& out,
                                        LogFields& log) {
  std::vector<authres::MethodResult> results;
  DmarcInput din = dmarc_input(f);
  if (f.spf) {
    const SpfVerdict& v = *f.spf;
    results.push_back(spf_method_result(v, f.envelope_from, f.helo));
    log.emplace_back("spf", to_string(v.result));
    log.emplace_back("spf_domain", v.domain);
    if (policy.spf.received_spf_header)
      out.edits.push_back({HeaderEdit::Op::insert, "Received-SPF",
                           received_spf_value(v, policy.authserv_id, f.client, f.helo), 0});
  }
  if (f.dkim) {
    for (auto& r : dkim_method_results(*f.dkim)) results.push_back(std::move(r));
    log.emplace_back("dkim", to_string(f.dkim->overall));
    log.emplace_back("dkim_signatures", std::to_string(f.dkim->signatures.size()));
  } else if (!f.dkim_note.empty()) {
    log.emplace_back("dkim", f.dkim_note);
  }
  std::string claim = local_domain_claim(f, policy, din);
  ClaimOutcome claimed = outside_claim_outcome(claim, policy.sender);
  if (claimed.verdict.kind != Verdict::Kind::cont || claimed.edit) {
    log.emplace_back("local_domain_claim", claim);
    log.emplace_back("local_domain_action", to_string(policy.sender.outside_action));
    out.verdict = claimed.verdict;
    if (claimed.edit) out.edits.push_back(std::move(*claimed.edit));
  }
  std::optional<DmarcStep> step;
  if (dmarc && out.verdict.kind == Verdict::Kind::cont) {
    step = DmarcStep{std::move(din), {}, {}};
    step->verdict = dmarc->evaluate(step->input, deadline);
    step->decision = decide_dmarc_action(step->verdict, policy.dmarc);
    const DmarcVerdict& dv = step->verdict;
    results.push_back(dv.authres());
    log.emplace_back("dmarc", to_string(dv.result));
    log.emplace_back("dmarc_domain", dv.author_domain);
    log.emplace_back("dmarc_action", to_string(step->decision.action));
    log.emplace_back("dmarc_reason", dv.reason);
    DmarcOutcome o = dmarc_outcome(dv, step->decision);
    out.verdict = o.verdict;
    out.quarantine = o.quarantine;
    if (o.edit) out.edits.push_back(std::move(*o.edit));
  }
  out.edits.push_back({HeaderEdit::Op::insert, "Authentication-Results",
                       authres::build_value(policy.authserv_id, results), 0});
  return step;
}

}  // namespace postern
