// make_resolver: the resolver every binary uses, built from [dns]: LdnsResolver over the
// configured servers (or /etc/resolv.conf's, or 127.0.0.1 when it has none), wrapped in a
// CachingResolver unless cache_entries is 0. clock must outlive the resolver.
#pragma once

#include <memory>

#include "common/core/clock.h"
#include "common/core/random.h"
#include "common/core/result.h"
#include "common/dns/dns_config.h"
#include "common/dns/resolver.h"

namespace postern {

Result<std::shared_ptr<Resolver>> make_resolver(const DnsConfig& config, const Clock& clock,
                                                std::shared_ptr<Random> random = nullptr);

}  // namespace postern
