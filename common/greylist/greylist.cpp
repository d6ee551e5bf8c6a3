// Implements Greylister. Contract in greylist.h.
#include "common/greylist/greylist.h"

#include <algorithm>
#include <charconv>

#include "common/core/ascii.h"
#include "common/greylist/sender.h"

namespace postern {
namespace {

constexpr std::string_view kTripletPrefix = "gl:t:";
constexpr std::string_view kAutoPrefix = "gl:a:";

bool parse_triplet(const std::string& v, int64_t& first, bool& passed) {
  size_t colon = v.find(':');
  if (colon == std::string::npos) return false;
  auto [p, ec] = std::from_chars(v.data(), v.data() + colon, first);
  if (ec != std::errc() || p != v.data() + colon) return false;
  passed = v.substr(colon + 1) == "1";
  return true;
}

int64_t parse_count(const std::string& v) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc() && p == v.data() + v.size() && n >= 0 ? n : 0;
}

}  // namespace

Result<GreylistListing> Greylister::list(size_t limit) {
  GreylistListing out;
  auto triplets = store_.scan(kTripletPrefix, limit);
  if (!triplets) return triplets.error();
  for (const auto& e : *triplets) {
    GreylistTriplet t;
    t.name = e.key.substr(kTripletPrefix.size());
    if (!parse_triplet(e.value, t.first_seen, t.passed)) {
      t.first_seen = 0;
      t.passed = false;
    }
    t.expires_at = e.expires_at;
    out.triplets.push_back(std::move(t));
  }
  auto networks = store_.scan(kAutoPrefix, limit);
  if (!networks) return networks.error();
  for (const auto& e : *networks)
    out.networks.push_back({e.key.substr(kAutoPrefix.size()), parse_count(e.value), e.expires_at});
  return out;
}

Result<std::string> Greylister::allow_network(const IpNetwork& net) {
  int grouping = net.base.v6 ? config_.ipv6_prefix : config_.ipv4_prefix;
  if (net.prefix_len < grouping) {
    return Error::perm(net.str() + " is wider than a greylisting client network (/" +
                       std::to_string(grouping) + ", [policyd.greylist] ipv" + (net.base.v6 ? "6" : "4") +
                       "_prefix): allow each /" + std::to_string(grouping) + " in it");
  }
  std::string network = network_key(net.base, config_.ipv4_prefix, config_.ipv6_prefix);
  auto r = store_.put(std::string(kAutoPrefix) + network,
                      std::to_string(std::max(1, config_.auto_allow_after)), config_.max_age);
  if (!r) return r.error();
  return network;
}

Result<size_t> Greylister::remove(std::string_view target) {
  bool prefix = !target.empty() && target.back() == '*';
  if (prefix) target.remove_suffix(1);
  std::string key(target);
  if (key.rfind("gl:", 0) != 0) key = std::string(kTripletPrefix) + key;
  if (key.rfind(kTripletPrefix, 0) != 0 && key.rfind(kAutoPrefix, 0) != 0)
    return Error::perm("not a greylist key (gl:t:... or gl:a:...): " + std::string(target));
  if (!prefix) {
    auto r = store_.remove(key);
    if (!r) return r.error();
    return size_t{*r ? 1u : 0u};
  }
  size_t removed = 0;
  for (;;) {
    auto batch = store_.scan(key, kRemoveBatch);
    if (!batch) return batch.error();
    size_t before = removed;
    for (const auto& e : *batch) {
      auto r = store_.remove(e.key);
      if (!r) return r.error();
      if (*r) ++removed;
    }
    // A short batch was the last; a batch that removed nothing would repeat for ever.
    if (batch->size() < kRemoveBatch || removed == before) break;
  }
  return removed;
}

std::string Greylister::triplet_key(const GreylistInput& in) const {
  std::string where = in.key_domain.empty() ? network_key(in.client, config_.ipv4_prefix, config_.ipv6_prefix)
                                            : "spf:" + ascii_lower(in.key_domain);
  std::string key = std::string(kTripletPrefix) + where + "/" + normalise_sender(in.sender) + "/" +
                    ascii_lower(in.recipient);
  // Keys are bounded by the store; overlong parts (hostile senders) are cut, which only merges keys.
  if (key.size() > Store::kMaxKeySize) key.resize(Store::kMaxKeySize);
  return key;
}

GreylistDecision Greylister::check(const GreylistInput& in) {
  GreylistDecision d;
  if (!in.force) {
    if (allowlist_.client_allowed(in.client, in.verified_client_name))
      return {GreylistDecision::Kind::allowlisted, 0, 0, "client allowlisted"};
    if (allowlist_.recipient_allowed(in.recipient))
      return {GreylistDecision::Kind::allowlisted, 0, 0, "recipient allowlisted"};
    if (allowlist_.sender_domain_allowed(in.sender))
      return {GreylistDecision::Kind::allowlisted, 0, 0, "sender domain allowlisted"};
  }
  const std::string net = network_key(in.client, config_.ipv4_prefix, config_.ipv6_prefix);
  const std::string auto_key = std::string(kAutoPrefix) + net;
  auto fail = [&](const Error& e) {
    return GreylistDecision{GreylistDecision::Kind::store_failure, 0, 0, e.message};
  };
  if (!in.force && config_.auto_allow_after > 0) {
    auto a = store_.get(auto_key);
    if (!a) return fail(a.error());
    int64_t n = 0;
    if (*a) std::from_chars((*a)->value.data(), (*a)->value.data() + (*a)->value.size(), n);
    if (n >= config_.auto_allow_after) {
      return {GreylistDecision::Kind::allowlisted, 0, 0,
              "client network auto-allowed after " + std::to_string(n) + " deliveries"};
    }
  }
  std::string key;
  if (in.key_domain.empty() && in.key_domain_source) {
    GreylistInput keyed = in;
    keyed.key_domain = in.key_domain_source();
    key = triplet_key(keyed);
  } else {
    key = triplet_key(in);
  }
  const int64_t now = clock_.unix_seconds();
  auto e = store_.get(key);
  if (!e) return fail(e.error());
  int64_t first = 0;
  bool passed = false;
  if (!*e || !parse_triplet((*e)->value, first, passed)) {
    auto p = store_.put(key, std::to_string(now) + ":0", config_.delay + config_.retry_window);
    if (!p) return fail(p.error());
    d.kind = GreylistDecision::Kind::defer;
    d.wait_seconds = config_.delay.count();
    d.reason = "new triplet";
    return d;
  }
  if (passed) {
    // Remembered for max_age after its last use. Refreshing the expiry is a durable write, so it
    // is skipped while the stored expiry is within kRefreshSlack of a fresh one: recurring
    // senders then cost one read, not a write, per request.
    const int64_t slack = std::min<int64_t>(kRefreshSlack.count(), config_.max_age.count() / 10);
    const int64_t fresh = now + config_.max_age.count();
    if ((*e)->expires_at == 0 || fresh - (*e)->expires_at >= slack) {
      auto p = store_.put(key, (*e)->value, config_.max_age);
      if (!p) return fail(p.error());
    }
    d.kind = GreylistDecision::Kind::pass;
    d.reason = "known triplet";
    return d;
  }
  int64_t elapsed = now - first;
  if (elapsed < config_.delay.count()) {
    d.kind = GreylistDecision::Kind::defer;
    d.wait_seconds = config_.delay.count() - elapsed;
    d.reason = "retried too early";
    return d;
  }
  auto p = store_.put(key, std::to_string(first) + ":1", config_.max_age);
  if (!p) return fail(p.error());
  if (config_.auto_allow_after > 0) (void)store_.increment(auto_key, 1, config_.max_age);
  d.kind = GreylistDecision::Kind::pass;
  d.delayed_seconds = elapsed;
  d.reason = "retried after the delay";
  return d;
}

}  // namespace postern
