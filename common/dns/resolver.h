// Resolver: DNS lookups for the whole core (SPF, DMARC, DKIM keys, DNSBL, FCrDNS). Answers come
// from the network and are untrusted; implementations parse them with bounded, checked code.
// Results keep NXDOMAIN, NODATA, SERVFAIL, timeout and malformed answers apart, so callers can map
// them to permerror / temperror as their RFCs say. Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/deadline.h"

namespace postern {

enum class RrType : uint16_t { A = 1, CNAME = 5, PTR = 12, MX = 15, TXT = 16, AAAA = 28, TLSA = 52 };

enum class DnsStatus {
  answer,    // at least one record of the asked type
  nxdomain,  // the name does not exist (RCODE 3)
  nodata,    // the name exists but has no record of this type
  servfail,  // RCODE 2 from every server
  timeout,   // no answer before the deadline
  error,     // refused, malformed or otherwise unusable answer, or no socket
  bad_name,  // the name cannot be asked at all (empty or over-long label, over 255 bytes): never
             // sent, and permanent, like nxdomain; callers must not retry it as a temporary failure
};

const char* to_string(DnsStatus s);
const char* to_string(RrType t);

struct DnsRecord {
  // A / AAAA: the address in text form ("192.0.2.1", "2001:db8::1").
  // TXT: the character-strings of one record, concatenated (RFC 7208 3.3).
  // MX / PTR / CNAME: the target name, lower-case, without the trailing dot.
  // TLSA: "USAGE SELECTOR MATCHING HEX" in decimal and lower-case hex ("3 1 1 ab12...").
  std::string text;
  uint16_t preference = 0;  // MX only
  uint32_t ttl = 0;
};

struct DnsResult {
  DnsStatus status = DnsStatus::error;
  std::vector<DnsRecord> records;
  std::string canonical_name;  // after CNAME chasing, lower-case, no trailing dot
  // The AD bit of the answer: a validating resolver vouches for it (DNSSEC). Queries ask for it
  // (AD=1, RFC 6840 5.7); only worth anything over a trusted path to that resolver.
  bool authenticated = false;
  std::string detail;  // why, for error/timeout/servfail; empty otherwise
  // With status error: the query was never sent because this process could not make a socket
  // (descriptor limit, memory). Not the server's doing; callers that treat a failed lookup as
  // "not listed" must not do so for this one.
  bool local_failure = false;
  // For nxdomain/nodata: how long the answer may be cached (RFC 2308: min of the SOA's TTL and
  // MINIMUM); 0 when the answer carried no SOA, and then it is not cached.
  uint32_t negative_ttl = 0;

  bool ok() const { return status == DnsStatus::answer; }
  // Temporary failures (servfail, timeout, error) as opposed to definite answers.
  bool temporary_failure() const {
    return status == DnsStatus::servfail || status == DnsStatus::timeout || status == DnsStatus::error;
  }
};

struct DnsQuery {
  std::string name;  // presentation form, with or without trailing dot
  RrType type = RrType::A;
};

class Resolver {
 public:
  virtual ~Resolver() = default;
  virtual DnsResult query(std::string_view name, RrType type, Deadline deadline) = 0;
  // Sends every query at once and waits for all of them, bounded by one deadline; results are in
  // the order of the queries.
  virtual std::vector<DnsResult> query_all(std::span<const DnsQuery> queries, Deadline deadline) = 0;
};

}  // namespace postern
