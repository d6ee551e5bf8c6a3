// Implements AccountGuard. Contract in account_guard.h.
#include "common/guard/account_guard.h"

#include <algorithm>
#include <charconv>
#include <map>

#include "common/core/ascii.h"
#include "common/store/record.h"

namespace postern {
namespace {

std::string key(std::string_view kind, const std::string& login) { return "ag:" + std::string(kind) + login; }
std::string sign_key(std::string_view kind, const std::string& login, GuardSignal s) {
  return key(kind, login) + ":" + guard_signal_name(s);
}

bool parse_hold(std::string_view v, int64_t& since, std::string& reason) {
  size_t tab = v.find('\t');
  if (tab == std::string_view::npos) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + tab, since);
  if (ec != std::errc() || p != v.data() + tab) return false;
  reason = std::string(v.substr(tab + 1));
  return true;
}

}  // namespace

const char* guard_signal_name(GuardSignal s) {
  switch (s) {
    case GuardSignal::ratelimit:
      return "ratelimit";
    case GuardSignal::sender_refused:
      return "sender_refused";
    case GuardSignal::recipient_domains:
      return "recipient_domains";
    case GuardSignal::new_network:
      return "new_network";
  }
  return "?";
}

AccountGuard::AccountGuard(Store& store, const Clock& clock, AccountGuardConfig config,
                           std::shared_ptr<Logger> log)
    : store_(store), clock_(clock), config_(std::move(config)), log_(std::move(log)) {}

int AccountGuard::weight(GuardSignal s) const {
  switch (s) {
    case GuardSignal::ratelimit:
      return config_.weight_ratelimit;
    case GuardSignal::sender_refused:
      return config_.weight_sender_refused;
    case GuardSignal::recipient_domains:
      return config_.weight_recipient_domains;
    case GuardSignal::new_network:
      return config_.weight_new_network;
  }
  return 0;
}

Result<int> AccountGuard::score(const std::string& login, std::string* reasons) {
  int total = 0;
  for (GuardSignal s : kGuardSignals) {
    if (weight(s) <= 0) continue;
    auto e = store_.get(sign_key("s:", login, s));
    if (!e) return e.error();
    if (!*e) continue;
    total += weight(s);
    if (reasons) {
      auto d = store_.get(sign_key("d:", login, s));
      if (!d) return d.error();
      *reasons += (reasons->empty() ? "" : ", ") + std::string(guard_signal_name(s)) + "=" +
                  std::to_string(weight(s)) + (*d ? " (" + (*d)->value + ")" : "");
    }
  }
  return total;
}

Result<bool> AccountGuard::record(GuardSignal s, std::string_view login, std::string_view detail) {
  auto r = record_sign(s, login, detail);
  if (!r && log_) {
    LogLine(*log_, LogLevel::error, "account_signal_failed")
        .kv("login", login)
        .kv("signal", guard_signal_name(s))
        .kv("error", r.error().message);
  }
  return r;
}

Result<bool> AccountGuard::record_sign(GuardSignal s, std::string_view login_in, std::string_view detail) {
  if (!config_.enabled || weight(s) <= 0 || login_in.empty() || login_in.size() > kMaxGuardLogin)
    return false;
  const std::string login = ascii_lower(login_in);
  // The sign's count keeps its first expiry; memory runs from the last sighting, so put it anew.
  auto n = store_.increment(sign_key("s:", login, s), 1, config_.memory);
  if (!n) return n.error();
  if (auto p = store_.put(sign_key("s:", login, s), std::to_string(*n), config_.memory); !p) return p.error();
  if (auto p = store_.put(sign_key("d:", login, s), std::string(detail.substr(0, 300)), config_.memory); !p)
    return p.error();
  if (log_) {
    LogLine(*log_, LogLevel::notice, "account_signal")
        .kv("login", login)
        .kv("signal", guard_signal_name(s))
        .kv("weight", weight(s))
        .kv("detail", detail);
  }
  std::string reasons;
  auto total = score(login, &reasons);
  if (!total) return total.error();
  if (*total < config_.threshold) return false;
  auto claim = store_.increment(key("hc:", login), 1, Seconds(0));
  if (!claim) return claim.error();
  if (*claim != 1) return false;  // held already (by this or another process)
  std::string reason =
      "score " + std::to_string(*total) + " of " + std::to_string(config_.threshold) + ": " + reasons;
  if (auto p =
          store_.put(key("h:", login), std::to_string(clock_.unix_seconds()) + "\t" + reason, Seconds(0));
      !p)
    return p.error();
  if (log_) {
    LogLine(*log_, LogLevel::warning, "account_hold").kv("login", login).kv("reason", reason);
  }
  return true;
}

Result<bool> AccountGuard::held(std::string_view login) {
  if (login.empty() || login.size() > kMaxGuardLogin) return false;
  auto e = store_.get(key("h:", ascii_lower(login)));
  if (!e) return e.error();
  return e->has_value();
}

Result<bool> AccountGuard::note_recipient_domain(std::string_view login_in, std::string_view domain) {
  if (!config_.enabled || weight(GuardSignal::recipient_domains) <= 0 || domain.empty() || login_in.empty() ||
      login_in.size() > kMaxGuardLogin || domain.size() > 255)
    return false;
  const std::string login = ascii_lower(login_in);
  auto first =
      store_.increment(key("r:", login) + ":" + ascii_lower(domain), 1, config_.recipient_domains_window);
  if (!first) return first.error();
  if (*first != 1) return false;  // a domain already counted
  auto distinct = store_.increment(key("rn:", login), 1, config_.recipient_domains_window);
  if (!distinct) return distinct.error();
  if (*distinct != config_.recipient_domains) return false;  // signal once, at the threshold
  return record(GuardSignal::recipient_domains, login,
                std::to_string(*distinct) + " recipient domains within " +
                    std::to_string(config_.recipient_domains_window.count()) + "s");
}

Result<GuardStatus> AccountGuard::status(std::string_view login_in) {
  GuardStatus st;
  st.login = ascii_lower(login_in);
  auto h = store_.get(key("h:", st.login));
  if (!h) return h.error();
  if (*h) st.held = parse_hold((*h)->value, st.held_since, st.hold_reason);
  for (GuardSignal s : kGuardSignals) {
    auto e = store_.get(sign_key("s:", st.login, s));
    if (!e) return e.error();
    if (!*e) continue;
    GuardSign g;
    g.signal = s;
    g.weight = weight(s);
    g.expires_at = (*e)->expires_at;
    (void)parse_counter((*e)->value, g.count);
    auto d = store_.get(sign_key("d:", st.login, s));
    if (!d) return d.error();
    if (*d) g.detail = (*d)->value;
    st.score += g.weight;
    st.signs.push_back(std::move(g));
  }
  return st;
}

Result<std::vector<GuardStatus>> AccountGuard::list(size_t limit) {
  std::map<std::string, bool> logins;  // login -> held
  auto holds = store_.scan("ag:h:", 1000000);
  if (!holds) return holds.error();
  for (const auto& e : *holds) logins[e.key.substr(5)] = true;
  auto signs = store_.scan("ag:s:", 1000000);
  if (!signs) return signs.error();
  for (const auto& e : *signs) {
    size_t colon = e.key.rfind(':');
    if (colon > 5) logins.emplace(e.key.substr(5, colon - 5), false);
  }
  std::vector<GuardStatus> out;
  for (bool want_held : {true, false}) {
    for (const auto& [login, is_held] : logins) {
      if (is_held != want_held || out.size() >= limit) continue;
      auto st = status(login);
      if (!st) return st.error();
      out.push_back(std::move(*st));
    }
  }
  return out;
}

Result<void> AccountGuard::hold(std::string_view login_in, std::string_view reason) {
  const std::string login = ascii_lower(login_in);
  if (auto c = store_.increment(key("hc:", login), 1, Seconds(0)); !c) return c.error();
  if (auto p = store_.put(key("h:", login),
                          std::to_string(clock_.unix_seconds()) + "\t" + std::string(reason), Seconds(0));
      !p)
    return p;
  if (log_) LogLine(*log_, LogLevel::warning, "account_hold").kv("login", login).kv("reason", reason);
  return {};
}

Result<bool> AccountGuard::release(std::string_view login_in) {
  const std::string login = ascii_lower(login_in);
  auto was = store_.remove(key("h:", login));
  if (!was) return was.error();
  std::vector<std::string> keys = {key("hc:", login), key("a:", login), key("rn:", login)};
  for (GuardSignal s : kGuardSignals) {
    keys.push_back(sign_key("s:", login, s));
    keys.push_back(sign_key("d:", login, s));
  }
  auto domains = store_.scan(key("r:", login) + ":", 1000000);
  if (!domains) return domains.error();
  for (const auto& e : *domains) keys.push_back(e.key);
  for (const auto& k : keys) {
    if (auto r = store_.remove(k); !r) return r.error();
  }
  if (log_)
    LogLine(*log_, LogLevel::notice, "account_release")
        .kv("login", login)
        .kv("was_held", *was ? "yes" : "no");
  return *was;
}

Result<bool> AccountGuard::claim_alert(std::string_view login) {
  auto n = store_.increment(key("a:", ascii_lower(login)), 1, Seconds(0));
  if (!n) return n.error();
  return *n == 1;
}

}  // namespace postern
