// Implements PolicyService. Contract in service.h.
#include "common/policy/service.h"

#include <iterator>
#include <optional>

#include "common/core/file_read.h"
#include "common/greylist/allowlist.h"
#include "common/greylist/sender.h"

namespace postern {

PolicyService::PolicyService(const PolicydConfig& config, Store& store, Resolver& resolver,
                             const Clock& clock, std::shared_ptr<Logger> log,
                             std::shared_ptr<StoreOutage> outage, const AccountGuardConfig& guard,
                             std::shared_ptr<AlertQueue> alerts)
    : config_(config),
      store_(store),
      resolver_(resolver),
      clock_(clock),
      log_(std::move(log)),
      outage_(outage ? std::move(outage) : std::make_shared<StoreOutage>()),
      alerts_(std::move(alerts)),
      guard_config_(guard) {}

void PolicyService::store_failed(const std::string& error) {
  if (!outage_->failed()) return;
  LogLine(*log_, LogLevel::error, "store_failure")
      .kv("outcome", to_string(config_.greylist.on_store_failure))
      .kv("error", error)
      .kv("store", store_.describe());
}

std::vector<std::string> PolicyService::init() {
  std::vector<std::string> problems;
  for (const auto& n : config_.trusted_networks) {
    if (auto net = IpNetwork::parse(n))
      trusted_.push_back(*net);
    else
      problems.push_back("trusted_networks: " + n + ": " + net.error().message);
  }
  Allowlist allow;
  const auto& g = config_.greylist;
  for (const auto& e : g.allow_clients) {
    if (auto err = allow.add_client(e); !err.empty()) problems.push_back("greylist.allow_clients: " + err);
  }
  for (const auto& e : g.allow_recipients) {
    if (auto err = allow.add_recipient(e); !err.empty())
      problems.push_back("greylist.allow_recipients: " + err);
  }
  for (const auto& e : g.allow_sender_domains) {
    if (auto err = allow.add_sender_domain(e); !err.empty())
      problems.push_back("greylist.allow_sender_domains: " + err);
  }
  for (const auto& path : g.allowlist_files) {
    auto text = read_regular_file(path, kMaxAllowlistBytes);
    if (!text) {
      problems.push_back("greylist.allowlist_files: " + text.error().message);
      continue;
    }
    for (const auto& err : allow.add_client_file_text(*text)) problems.push_back(path + ":" + err);
  }
  greylister_ = std::make_unique<Greylister>(g, std::move(allow), store_, clock_);
  const bool alerts = (guard_config_.enabled && !guard_config_.alert_to.empty()) ||
                      (config_.ratelimit.enabled && !config_.ratelimit.alert_to.empty());
  if (alerts && !alerts_) alerts_ = std::make_shared<AlertQueue>(log_, clock_);
  if (guard_config_.enabled) {
    guard_ = std::make_unique<AccountGuard>(store_, clock_, guard_config_, log_);
    guard_policy_ =
        std::make_unique<GuardPolicy>(*guard_, clock_, log_, outage_, store_.describe(), alerts_.get());
  }
  if (config_.ratelimit.enabled) {
    send_limits_ = std::make_unique<SendLimitPolicy>(config_.ratelimit, trusted_, store_, clock_, log_,
                                                     outage_, guard_.get(), alerts_.get());
    for (auto& p : send_limits_->init()) problems.push_back(std::move(p));
  }
  spf_ = std::make_unique<SpfEvaluator>(resolver_);
  std::vector<DnsListSpec> ip_lists, domain_lists;
  for (const auto& s : config_.dnsbl.ip_lists) {
    if (auto spec = parse_dns_list_spec(s))
      ip_lists.push_back(*spec);
    else
      problems.push_back("dnsbl.ip_lists: " + s + ": " + spec.error().message);
  }
  for (const auto& s : config_.dnsbl.domain_lists) {
    if (auto spec = parse_dns_list_spec(s))
      domain_lists.push_back(*spec);
    else
      problems.push_back("dnsbl.domain_lists: " + s + ": " + spec.error().message);
  }
  if (config_.dnsbl.self_test) {
    ip_lists = self_test(std::move(ip_lists), false);
    domain_lists = self_test(std::move(domain_lists), true);
  }
  dnsbl_ = std::make_unique<DnsblChecker>(std::move(ip_lists), std::move(domain_lists), resolver_,
                                          config_.dnsbl.timeout);
  return problems;
}

// RFC 5782 section 5: an IPv4 list must list 127.0.0.2 and must not list 127.0.0.1; a domain list
// must list TEST and must not list INVALID. Lists that fail are dropped, each with one log line.
std::vector<DnsListSpec> PolicyService::self_test(std::vector<DnsListSpec> lists, bool domain) {
  std::vector<DnsListSpec> kept;
  for (auto& l : lists) {
    std::string listed_name = domain ? "test." + l.zone : "2.0.0.127." + l.zone;
    std::string unlisted_name = domain ? "invalid." + l.zone : "1.0.0.127." + l.zone;
    std::vector<DnsQuery> q = {{listed_name, RrType::A}, {unlisted_name, RrType::A}};
    auto r = resolver_.query_all(q, Deadline::after(config_.dnsbl.timeout));
    bool listed_ok = r[0].ok();
    bool unlisted_ok = r[1].status == DnsStatus::nxdomain || r[1].status == DnsStatus::nodata;
    if (listed_ok && unlisted_ok) {
      kept.push_back(std::move(l));
      continue;
    }
    LogLine(*log_, LogLevel::error, "dnsbl_disabled")
        .kv("list", l.zone)
        .kv("reason", std::string("RFC 5782 self-test failed: ") + listed_name + " " +
                          to_string(r[0].status) + ", " + unlisted_name + " " + to_string(r[1].status));
  }
  return kept;
}

std::string PolicyService::spf_key_domain(const IpAddress& ip, const PolicyRequest& req,
                                          LogLine& line) const {
  const std::string& sender = req.get("sender");
  const std::string& helo = req.get("helo_name");
  if (sender.empty() && helo.empty()) return "";
  const Deadline deadline = Deadline::after(config_.greylist.spf_timeout);
  SpfVerdict v = sender.empty() ? spf_->check_helo(ip, helo, deadline, clock_.unix_seconds())
                                : spf_->check_mail_from(ip, sender, helo, deadline, clock_.unix_seconds());
  line.kv("spf", to_string(v.result));
  if (v.result == SpfResult::pass) return v.domain;
  if (v.result == SpfResult::temperror) {
    LogLine(*log_, LogLevel::warning, "spf_temperror")
        .kv("client", req.get("client_address"))
        .kv("identity", to_string(v.identity))
        .kv("domain", v.domain)
        .kv("reason", v.reason)
        .kv("outcome", "greylist key: client network");
  }
  return "";
}

std::string PolicyService::decide(const PolicyRequest& req) {
  LogLine line(*log_, LogLevel::info, "policy");
  line.kv("queue_id", req.get("queue_id"))
      .kv("client", req.get("client_address"))
      .kv("helo", req.get("helo_name"))
      .kv("sender", req.get("sender"))
      .kv("recipient", req.get("recipient"));
  Answer a = decide_steps(req, line);
  line.kv("action", a.action.substr(0, a.action.find(' '))).kv("reason", a.reason);
  return a.action;
}

// The steps in order: a held login, the send limits, the gates that pass a request untouched, the
// DNS lists, then greylisting. The first step with an answer decides.
PolicyService::Answer PolicyService::decide_steps(const PolicyRequest& req, LogLine& line) {
  if (guard_policy_) {
    if (auto a = guard_policy_->decide(req)) return {a->action, a->reason};
  }
  if (send_limits_) {
    if (auto a = send_limits_->decide(req)) return {a->action, a->reason};
  }
  const std::string& state = req.get("protocol_state");
  if (state != "RCPT") return {"DUNNO", "not at RCPT (" + state + ")"};
  if (!req.get("sasl_username").empty()) return {"DUNNO", "authenticated client"};
  auto ip = IpAddress::parse(req.get("client_address"));
  if (!ip) return {"DUNNO", "no usable client address"};
  for (const auto& n : trusted_) {
    if (n.contains(*ip)) return {"DUNNO", "trusted network"};
  }
  int score = 0;
  if (!dnsbl_->empty()) {
    if (auto a = dnsbl_step(*ip, req, line, score)) return *a;
  }
  if (!config_.greylist.enabled) return {"DUNNO", "greylisting off"};
  if (score < 0) return {"DUNNO", "allowlisted by DNSWL (score " + std::to_string(score) + ")"};
  return greylist_step(*ip, req, line, score);
}

// Scores the client on the DNS lists (score out); an answer when the score rejects it or a lookup
// could not be made here and the admin chose to defer then.
std::optional<PolicyService::Answer> PolicyService::dnsbl_step(const IpAddress& ip, const PolicyRequest& req,
                                                               LogLine& line, int& score) {
  const std::string& client = req.get("client_address");
  std::vector<std::string> domains = {address_domain(req.get("sender")), req.get("helo_name")};
  const std::string& name = req.get("client_name");
  bool confirmed = !name.empty() && name != "unknown" && name == req.get("reverse_client_name");
  if (confirmed) domains.push_back(name);
  DnsblResult r = dnsbl_->check(ip, domains);
  score = r.score;
  std::string lists;
  for (const auto& h : r.hits) lists += (lists.empty() ? "" : ",") + h.list + "=" + h.answer;
  line.kv("score", score);
  if (!lists.empty()) line.kv("lists", lists);
  for (const auto& e : r.errors) {
    LogLine(*log_, LogLevel::warning, "dnsbl_error").kv("client", client).kv("error", e);
  }
  if (score >= config_.dnsbl.reject_threshold) {
    std::string names;
    for (const auto& h : r.hits) {
      if (h.weight > 0) names += (names.empty() ? "" : ", ") + h.list;
    }
    return Answer{"554 5.7.1 Service unavailable; client [" + ip.str() + "] blocked using " + names,
                  "dnsbl score " + std::to_string(score)};
  }
  if (r.local_failure) {
    // No socket for a lookup (descriptor limit): the client may be listed, so it does not pass
    // as if it were not, unless the admin chose that.
    LogLine(*log_, LogLevel::error, "dnsbl_unavailable")
        .kv("client", client)
        .kv("reason", "no socket for a DNS list lookup")
        .kv("outcome", to_string(config_.dnsbl.on_local_failure));
    if (config_.dnsbl.on_local_failure == DnsblLocalFailure::defer) {
      return Answer{"DEFER_IF_PERMIT 4.3.0 Temporary DNS list failure, please try again",
                    "dnsbl lookup failed locally"};
    }
  }
  return std::nullopt;
}

PolicyService::Answer PolicyService::greylist_step(const IpAddress& ip, const PolicyRequest& req,
                                                   LogLine& line, int score) {
  GreylistInput in;
  in.client = ip;
  const std::string& name = req.get("client_name");
  if (!name.empty() && name != "unknown" && name == req.get("reverse_client_name"))
    in.verified_client_name = name;
  in.sender = req.get("sender");
  in.recipient = req.get("recipient");
  in.force = score >= config_.dnsbl.greylist_threshold && score > 0;
  if (config_.greylist.spf_domain_key) {
    in.key_domain_source = [&] { return spf_key_domain(ip, req, line); };
  }
  GreylistDecision d = greylister_->check(in);
  if (d.kind != GreylistDecision::Kind::store_failure && d.kind != GreylistDecision::Kind::allowlisted &&
      outage_->succeeded()) {
    LogLine(*log_, LogLevel::notice, "store_recovered").kv("store", store_.describe());
  }
  switch (d.kind) {
    case GreylistDecision::Kind::allowlisted:
      return {"DUNNO", d.reason};
    case GreylistDecision::Kind::defer:
      return {"DEFER_IF_PERMIT 4.7.1 Greylisted, please try again in " + std::to_string(d.wait_seconds) +
                  " seconds",
              "greylist: " + d.reason};
    case GreylistDecision::Kind::store_failure:
      store_failed(d.reason);
      if (config_.greylist.on_store_failure == GreylistStoreFailure::defer) {
        return {"DEFER_IF_PERMIT 4.3.0 Temporary greylisting failure, please try again", "store failure"};
      }
      return {"DUNNO", "store failure (greylisting skipped)"};
    case GreylistDecision::Kind::pass:
      if (d.delayed_seconds > 0 && config_.greylist.add_header) {
        return {"PREPEND X-Greylist: delayed " + std::to_string(d.delayed_seconds) +
                    " seconds by postern-policyd",
                "greylist: " + d.reason};
      }
      return {"DUNNO", "greylist: " + d.reason};
  }
  return {"DUNNO", ""};
}

}  // namespace postern
