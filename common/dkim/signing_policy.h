// DkimSigningPolicy: which DKIM signatures a message gets, from the [dkim] configuration:
// [[dkim.key]] tables and/or an OpenDKIM KeyTable + SigningTable pair. It loads and checks every
// key file at load time (an unreadable or bad key is an error naming the file). It does NOT check
// that the sender may use the From: address: the caller (postern-milter) must only ask for mail of
// an authenticated user who owns the From: address (sender ownership) or of an internal client.
// Also turns [dkim] into DkimOptions for DkimEngine. Immutable after load; thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"
#include "common/dkim/dkim.h"
#include "common/dkim/dkim_config.h"
#include "common/net/ip.h"

namespace postern {

struct DkimSigningKey {
  std::string name;    // "[[dkim.key]] #N" or the KeyTable name
  std::string domain;  // lower-case; "%" for the From: domain (KeyTable only)
  std::string selector;
  std::string key_file;
  std::vector<std::string> patterns;  // [[dkim.key]] signing patterns (empty for KeyTable keys)
  std::shared_ptr<const DkimPrivateKey> key;
};

class DkimSigningPolicy {
 public:
  // Reads the tables and key files named by c. Every problem is collected; any problem is an error.
  static Result<DkimSigningPolicy> load(const DkimConfig& c);

  // The signatures for a message whose From: address is from_address ("local@domain"): every
  // [[dkim.key]] with a matching pattern, then the SigningTable's first matching line (every
  // matching line with multiple_signatures), without repeating a (domain, selector). Empty when
  // nothing matches or the address has no domain.
  std::vector<DkimSignPlan> plans_for(std::string_view from_address) const;

  // Is the client address inside [dkim].internal_networks?
  bool internal_client(const IpAddress& a) const;

  const std::vector<DkimSigningKey>& keys() const { return keys_; }

 private:
  struct TableLine {
    std::string pattern;
    size_t key;  // index in keys_
  };
  std::vector<DkimSigningKey> keys_;
  size_t inline_keys_ = 0;  // keys_[0, inline_keys_) are [[dkim.key]]
  std::vector<TableLine> table_;
  bool multiple_ = false;
  std::vector<IpNetwork> internal_;
};

DkimOptions dkim_options(const DkimConfig& c);

}  // namespace postern
