// DNSSEC for tests: sign_zone signs a zone at test time with ldns-keygen / ldns-signzone (one
// ECDSA P-256 key, signatures valid over a window the test chooses, so it can make them expired),
// and UnboundInstance runs a real validating resolver (Debian's unbound) on 127.0.0.1 at a port
// chosen at run time, forwarding each test zone to a TestDnsServer (stub-zone) and validating the
// signed ones against the trust anchors given. do-not-query-localhost is turned off (unbound
// refuses loopback servers by default, DESIGN.md pitfalls). Throws std::runtime_error when a tool
// is missing or unbound does not come up (its log in the message).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {

struct SignedZone {
  std::string zone_file;     // the signed zone, for TestDnsServer::load_zone
  std::string trust_anchor;  // the zone's DNSKEY record as one line, for UnboundInstance
};

// Signs zone_text (a zone file with $ORIGIN origin and a SOA) in dir. inception / expiration are
// "YYYYMMDDhhmmss" (UTC).
SignedZone sign_zone(const TempDir& dir, const std::string& origin, const std::string& zone_text,
                     const std::string& inception, const std::string& expiration);

// "YYYYMMDDhhmmss" of now + offset_s (UTC).
std::string dnssec_time(long offset_s);

struct UnboundZone {
  std::string name;          // "signed.test"
  int port = 0;              // the TestDnsServer's port
  std::string trust_anchor;  // "" for an unsigned zone (insecure: answers without AD)
};

class UnboundInstance {
 public:
  explicit UnboundInstance(const std::vector<UnboundZone>& zones);
  ~UnboundInstance();
  UnboundInstance(const UnboundInstance&) = delete;
  UnboundInstance& operator=(const UnboundInstance&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const;

 private:
  TempDir dir_{"unbound"};
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

}  // namespace postern::test
