// Implements the posternctl state helpers. Contract in state.h.
#include "tools/posternctl/state.h"

#include <unistd.h>

#include <ctime>
#include <iostream>

#include "common/dns/factory.h"
#include "common/store/factory.h"

namespace postern::ctl {

std::string format_time(int64_t unix_seconds) {
  if (unix_seconds == 0) return "never";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::unique_ptr<Store> open_store(Context& ctx, const Clock& clock, int& rc) {
  const Config* c = ctx.config();
  if (!c) {
    rc = kExitConfig;
    return nullptr;
  }
  auto s = make_store(c->store, clock, false);
  if (!s) {
    std::cerr << "posternctl: store: " << s.error().message << "\n";
    rc = 1;
    return nullptr;
  }
  return std::move(*s);
}

const Config* optional_config(Context& ctx, Config& fallback) {
  if (ctx.global.config_given || ::access(ctx.global.config_path.c_str(), R_OK) == 0) return ctx.config();
  fallback.dns.servers = ctx.global.dns;
  return &fallback;
}

std::shared_ptr<Resolver> open_resolver(const Config& c, const Clock& clock, int& rc) {
  auto r = make_resolver(c.dns, clock);
  if (!r) {
    std::cerr << "posternctl: dns: " << r.error().message << "\n";
    rc = kExitConfig;
    return nullptr;
  }
  return *r;
}

}  // namespace postern::ctl
