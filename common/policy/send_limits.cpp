// Implements SendLimitPolicy. Contract in send_limits.h.
#include "common/policy/send_limits.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "common/core/file_read.h"
#include "common/core/quantity.h"
#include "common/greylist/sender.h"
#include "common/ratelimit/alert.h"

namespace postern {
namespace {

// A non-negative count from a policy attribute, or fallback.
int64_t count_of(const std::string& v, int64_t fallback) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || p != v.data() + v.size() || n < 0) return fallback;
  return n;
}

std::string wait_words(int64_t seconds) {
  if (seconds < 1) seconds = 1;
  if (seconds < 120) return std::to_string(seconds) + " seconds";
  return std::to_string((seconds + 59) / 60) + " minutes";
}

}  // namespace

std::string limit_words(const SendLimit& l, LimitMetric m) {
  std::string n = m == LimitMetric::bytes ? render_byte_size(l.bytes) : std::to_string(l.of(m));
  return n + " " + limit_metric_name(m) + " per " + render_duration_seconds(l.window);
}

SendLimitPolicy::SendLimitPolicy(const RatelimitConfig& config, std::vector<IpNetwork> trusted, Store& store,
                                 const Clock& clock, std::shared_ptr<Logger> log,
                                 std::shared_ptr<StoreOutage> outage, AccountGuard* guard, AlertQueue* alerts)
    : config_(config),
      trusted_(std::move(trusted)),
      store_(store),
      clock_(clock),
      log_(std::move(log)),
      outage_(std::move(outage)),
      guard_(guard),
      alerts_(alerts) {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0) host_ = name;
}

std::vector<std::string> SendLimitPolicy::init() {
  std::vector<std::string> problems;
  OverridesParse overrides;
  if (!config_.overrides.empty()) {
    auto text = read_regular_file(config_.overrides, kMaxOverridesBytes);
    if (!text) {
      problems.push_back("ratelimit.overrides: " + text.error().message);
    } else {
      overrides = parse_limit_overrides(*text);
      for (const auto& e : overrides.errors) problems.push_back(config_.overrides + ":" + e);
    }
  }
  limiter_ = std::make_unique<RateLimiter>(store_, clock_, config_.limits, overrides.entries);
  return problems;
}

SendLimitAnswer SendLimitPolicy::refused(const RateDecision& d, int64_t now) {
  const bool hold = config_.action == RateAction::hold;
  const std::string words = limit_words(d.limit, d.metric);
  std::string action;
  LimitOutcome outcome = LimitOutcome::defer;
  if (hold) {
    outcome = LimitOutcome::hold;
    action = "HOLD sending limit of " + words + " reached";
  } else if (d.verdict == RateVerdict::too_big) {
    outcome = LimitOutcome::reject;
    action = "REJECT 5.7.1 This message exceeds the sending limit of " + words;
  } else {
    action = "DEFER_IF_PERMIT 4.7.1 Sending limit of " + words + " reached, try again in " +
             wait_words(d.retry_at - now);
  }
  LogLine line(*log_, LogLevel::warning, "ratelimit");
  line.kv(limit_by_name(d.limit.by), d.subject)
      .kv("limit", describe_limit(d.limit, d.metric))
      .kv("count", static_cast<long long>(d.count))
      .kv("action", to_string(outcome));
  if (d.verdict == RateVerdict::too_big) line.kv("reason", "the message alone exceeds the limit");
  if (d.verdict == RateVerdict::over) line.kv("retry_in", static_cast<long long>(d.retry_at - now));
  if (!config_.alert_to.empty() && alerts_) alert(d, outcome, now);
  if (guard_ && d.limit.by == LimitBy::login) {
    (void)guard_->record(GuardSignal::ratelimit, d.subject,
                         "limit=" + describe_limit(d.limit, d.metric) + " count=" + std::to_string(d.count));
  }
  return {action, "send limit " + describe_limit(d.limit, d.metric) + " of " + d.subject};
}

void SendLimitPolicy::alert(const RateDecision& d, LimitOutcome outcome, int64_t now) {
  auto first = RateLimiter::claim_alert(store_, d.limit.by, d.subject, d.limit.window);
  if (!first || !*first) return;  // another refusal (here or on another host) sent it
  LimitAlert a;
  a.to = config_.alert_to;
  a.host = host_;
  a.outcome = outcome;
  a.decision = d;
  a.now = now;
  if (auto counts = RateLimiter::subject_counts(store_, clock_, d.limit.by, d.subject))
    a.counts = std::move(*counts);
  a.limits = d.limit.by == LimitBy::login ? limiter_->login_limits(d.subject) : config_.limits;
  alerts_->post(
      AlertMail{config_.sendmail,
                config_.alert_to,
                build_limit_alert(a),
                {{limit_by_name(d.limit.by), d.subject}, {"limit", describe_limit(d.limit, d.metric)}}});
}

std::optional<SendLimitAnswer> SendLimitPolicy::decide(const PolicyRequest& req) {
  if (!limiter_ || limiter_->empty()) return std::nullopt;
  const std::string& state = req.get("protocol_state");
  SendUsage u;
  u.login = req.get("sasl_username");
  u.sender_domain = address_domain(req.get("sender"));
  u.client_address = req.get("client_address");
  if (state == "END-OF-MESSAGE") {
    if (u.login.empty()) return std::nullopt;  // unauthenticated mail is counted at RCPT
    u.messages = 1;
    u.recipients = std::max<int64_t>(1, count_of(req.get("recipient_count"), 1));
    u.bytes = count_of(req.get("size"), 0);
  } else if (state == "RCPT") {
    if (!u.login.empty()) return std::nullopt;  // counted at END-OF-MESSAGE
    auto ip = IpAddress::parse(u.client_address);
    if (!ip) return std::nullopt;
    bool trusted = false;
    for (const auto& n : trusted_) trusted = trusted || n.contains(*ip);
    if (!trusted) return std::nullopt;
    const bool first = count_of(req.get("recipient_count"), 0) == 0;
    u.messages = first ? 1 : 0;
    u.recipients = 1;
    u.bytes = first ? count_of(req.get("size"), 0) : 0;
  } else {
    return std::nullopt;
  }
  const int64_t now = clock_.unix_seconds();
  RateDecision d = limiter_->check(u);
  switch (d.verdict) {
    case RateVerdict::pass:
      if (outage_->succeeded())
        LogLine(*log_, LogLevel::notice, "store_recovered").kv("store", store_.describe());
      return SendLimitAnswer{"DUNNO",
                             "within send limits (" + std::to_string(d.limits_checked) + " checked)"};
    case RateVerdict::over:
    case RateVerdict::too_big:
      if (outage_->succeeded())
        LogLine(*log_, LogLevel::notice, "store_recovered").kv("store", store_.describe());
      return refused(d, now);
    case RateVerdict::store_failure: {
      const bool defer = config_.on_store_failure == RateStoreFailureAction::defer;
      if (outage_->failed()) {
        LogLine(*log_, LogLevel::error, "store_failure")
            .kv("what", "send limits")
            .kv("outcome", defer ? "defer" : "accept")
            .kv("error", d.error)
            .kv("store", store_.describe());
      }
      if (defer)
        return SendLimitAnswer{
            "DEFER_IF_PERMIT 4.3.0 Temporary failure checking sending limits, please try again",
            "store failure"};
      return SendLimitAnswer{"DUNNO", "store failure (send limits skipped)"};
    }
  }
  return std::nullopt;
}

}  // namespace postern
