// Greylister: the greylisting decision for one recipient of one SMTP transaction, over the Store
// and the Clock. The key is client network (IPv4 /24, IPv6 /64 by default) + normalised sender +
// recipient. A new triplet is deferred for `delay`; a retry after the delay and within
// `retry_window` passes, and the triplet then passes at once for `max_age` after its last use
// (its expiry is refreshed at most once per kRefreshSlack, or max_age / 10 if shorter, so it is
// forgotten between max_age - that slack and max_age after its last use).
// A client network with `auto_allow_after` passed deliveries is no longer greylisted. A store
// failure gives the configured outcome (pass by default) and the caller logs it.
// Big senders (spf_domain_key): when the caller supplies the domain whose SPF the client passed,
// that domain replaces the client network in the triplet, so a retry from any address of the
// sender's pool matches. The auto-allow count stays per client network.
// Store layout: "gl:t:<net>/<sender>/<rcpt>" or "gl:t:spf:<domain>/<sender>/<rcpt>" =
// "<first_seen>:<passed 0|1>", "gl:a:<net>" = count. The layout is private to this file:
// administration (posternctl greylist) goes through list / allow_network / remove, as the lockout
// state goes through Lockout::list / unlock. Stored values are parsed defensively (a damaged value
// lists as first seen "never", count 0).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/clock.h"
#include "common/greylist/allowlist.h"
#include "common/greylist/greylist_config.h"
#include "common/net/ip.h"
#include "common/store/store.h"

namespace postern {

struct GreylistInput {
  IpAddress client;
  std::string verified_client_name;  // client_name when forward-confirmed, else ""
  std::string sender;
  std::string recipient;
  bool force = false;  // greylist even if allowlisted (a DNSBL score asked for it)
  // Non-empty: key the triplet by this (SPF-verified) sender domain instead of the client network.
  std::string key_domain;
  // When set and key_domain is empty: asked once, only when the triplet itself is needed (not for
  // allowlisted or auto-allowed clients), for the key domain ("" = key by the network). Lets the
  // caller run SPF only when it matters.
  std::function<std::string()> key_domain_source;
};

struct GreylistDecision {
  enum class Kind { pass, defer, allowlisted, store_failure };
  Kind kind = Kind::pass;
  int64_t wait_seconds = 0;     // defer: how long until a retry passes
  int64_t delayed_seconds = 0;  // pass after a deferral: how long the mail was held
  std::string reason;
};

// One triplet as stored: name is "<net>/<sender>/<rcpt>" (or "spf:<domain>/..."), the key
// without its "gl:t:" prefix, which remove() takes back.
struct GreylistTriplet {
  std::string name;
  int64_t first_seen = 0;  // unix seconds; 0 when the stored value is damaged
  bool passed = false;
  int64_t expires_at = 0;
};

// An auto-allow counter: network is the client network ("192.0.2.0/24").
struct GreylistNetwork {
  std::string network;
  int64_t deliveries = 0;
  int64_t expires_at = 0;
};

struct GreylistListing {
  std::vector<GreylistTriplet> triplets;
  std::vector<GreylistNetwork> networks;
};

class Greylister {
 public:
  static constexpr Seconds kRefreshSlack{86400};

  Greylister(const GreylistConfig& config, Allowlist allowlist, Store& store, const Clock& clock)
      : config_(config), allowlist_(std::move(allowlist)), store_(store), clock_(clock) {}

  // Removes at most this many entries per store scan in remove().
  static constexpr size_t kRemoveBatch = 10000;

  GreylistDecision check(const GreylistInput& in);
  std::string triplet_key(const GreylistInput& in) const;

  // Administration. At most limit triplets and limit networks, in key order.
  Result<GreylistListing> list(size_t limit);
  // Auto-allows the client network holding net now (as if auto_allow_after deliveries had
  // passed), for max_age; returns that network ("192.0.2.0/24"). An address or a network no
  // wider than the configured grouping (ipv4_prefix / ipv6_prefix) names one client network; a
  // wider one is a permanent error (it would need one entry per client network in it).
  Result<std::string> allow_network(const IpNetwork& net);
  // Removes one entry or every triplet under a prefix; returns how many were removed. target:
  // "gl:t:KEY" or "gl:a:NET" (a key as stored), "KEY" (a triplet name as list() gives it), or
  // either form ending in '*' for every key starting with what precedes it. Anything outside
  // the greylist's keys is a permanent error.
  Result<size_t> remove(std::string_view target);

 private:
  GreylistConfig config_;
  Allowlist allowlist_;
  Store& store_;
  const Clock& clock_;
};

}  // namespace postern
