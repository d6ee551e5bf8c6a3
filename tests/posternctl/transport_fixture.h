// Test helpers shared by the transport-security suites (dns_records_transport_test and
// audit_transport_test): a certificate from a test CA for given names and validity, a zone file
// with its SOA and NS for signing, and an MTA-STS policy text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/harness/test_cert.h"
#include "tools/posternctl/transport/mta_sts_policy.h"

namespace postern::test {

// A certificate from ca for names, valid from now + not_before to now + not_after (seconds).
inline TestKeyPair issue(const TestCa& ca, const std::vector<std::string>& names, int64_t not_before = -3600,
                         int64_t not_after = 86400) {
  TestCertSpec spec;
  spec.common_name = names.at(0);
  spec.dns_names = names;
  spec.not_before = not_before;
  spec.not_after = not_after;
  return ca.issue(spec);
}

// A zone file for origin: $ORIGIN, $TTL, SOA, NS and the name server's address, then body.
inline std::string zone(const std::string& origin, const std::string& body) {
  return "$ORIGIN " + origin + ".\n$TTL 300\n@ IN SOA ns." + origin + ". hostmaster." + origin +
         ". 1 3600 600 86400 300\n@ IN NS ns." + origin + ".\nns IN A 127.0.0.1\n" + body;
}

inline std::string policy_text(std::vector<std::string> mx, ctl::MtaStsMode mode = ctl::MtaStsMode::testing,
                               uint64_t max_age = 86400) {
  return ctl::render_mta_sts_policy({mode, std::move(mx), max_age});
}

}  // namespace postern::test
