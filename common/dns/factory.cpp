// Implements make_resolver. Contract in factory.h.
#include "common/dns/factory.h"

#include "common/core/file_read.h"
#include "common/dns/caching_resolver.h"
#include "common/dns/ldns_resolver.h"

namespace postern {

Result<std::shared_ptr<Resolver>> make_resolver(const DnsConfig& config, const Clock& clock,
                                                std::shared_ptr<Random> random) {
  std::vector<DnsServer> servers;
  for (const auto& s : config.servers) {
    auto spec = parse_dns_server(s);
    if (!spec) return Error::perm("dns server \"" + s + "\": " + spec.error().message);
    servers.push_back(*spec);
  }
  if (servers.empty()) {
    // No readable resolv.conf (or a strange one): the local resolver below.
    if (auto text = read_regular_file("/etc/resolv.conf", kMaxResolvConf)) servers = parse_resolv_conf(*text);
  }
  if (servers.empty()) servers.push_back(*parse_dns_server("127.0.0.1"));
  LdnsResolverOptions opt;
  opt.attempt_timeout = config.timeout;
  opt.retries = config.retries;
  opt.tcp_fallback = config.tcp_fallback;
  opt.cname_chase = config.cname_chase;
  std::shared_ptr<Resolver> r = std::make_shared<LdnsResolver>(std::move(servers), opt, std::move(random));
  if (config.cache_entries > 0) {
    r = std::make_shared<CachingResolver>(r, clock, static_cast<size_t>(config.cache_entries),
                                          config.cache_max_ttl, config.negative_max_ttl);
  }
  return r;
}

}  // namespace postern
