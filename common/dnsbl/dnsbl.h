// DnsblChecker: scores a client against DNS lists. IP lists are asked for the client address
// (IPv4 reversed octets, IPv6 nibbles, RFC 5782); domain lists for the given domains (sender
// domain, HELO name, verified client name). Every query of one request goes out at once through
// Resolver::query_all under one deadline. Answers are untrusted: an answer outside 127.0.0.0/8,
// in 127.255.255.0/24 (list operators' error codes: open resolver, over quota, bad zone) or
// 127.0.1.255 from a domain list is an error, never a listing; a timeout or SERVFAIL counts as not
// listed. A query that could not even be sent (no socket: descriptor limit) is flagged apart
// (local_failure) so the caller does not mistake it for "not listed". Each list counts once per
// request with its weight; errors are reported for logging.
#pragma once

#include <string>
#include <vector>

#include "common/dns/resolver.h"
#include "common/dnsbl/list_spec.h"
#include "common/net/ip.h"

namespace postern {

struct DnsblHit {
  std::string list;    // zone
  std::string query;   // what was looked up
  std::string answer;  // e.g. 127.0.0.2
  int weight = 0;
};

struct DnsblResult {
  int score = 0;
  std::vector<DnsblHit> hits;
  std::vector<std::string> errors;  // "zone: why", one per list that answered badly or not at all
  // A list could not be asked at all: this process could make no socket (DnsResult::local_failure).
  // Unlike a list's timeout, that says nothing about the list; the caller decides the outcome.
  bool local_failure = false;
};

class DnsblChecker {
 public:
  DnsblChecker(std::vector<DnsListSpec> ip_lists, std::vector<DnsListSpec> domain_lists, Resolver& resolver,
               std::chrono::milliseconds timeout);
  DnsblResult check(const IpAddress& client, const std::vector<std::string>& domains) const;
  bool empty() const { return ip_lists_.empty() && domain_lists_.empty(); }

 private:
  std::vector<DnsListSpec> ip_lists_;
  std::vector<DnsListSpec> domain_lists_;
  Resolver& resolver_;
  std::chrono::milliseconds timeout_;
};

}  // namespace postern
