// Implements make_test_resolver. Contract in dns_server.h.
#include "common/dns/ldns_resolver.h"
#include "common/dns/server_spec.h"
#include "tests/harness/dns_server.h"

namespace postern::test {

std::unique_ptr<Resolver> make_test_resolver(const TestDnsServer& server,
                                             std::chrono::milliseconds attempt_timeout) {
  std::vector<DnsServer> servers{parse_dns_server(server.address()).value()};
  LdnsResolverOptions o;
  o.attempt_timeout = attempt_timeout;
  o.retries = 0;
  return std::make_unique<LdnsResolver>(std::move(servers), o, std::make_shared<SeededRandom>(7));
}

}  // namespace postern::test
