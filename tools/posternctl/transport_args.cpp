// Reads the shared transport-security options. Contract in transport_args.h.
#include "tools/posternctl/transport_args.h"

#include <algorithm>
#include <string>

#include "common/log/log.h"

namespace postern::ctl {

int read_shared_transport_args(Context& ctx, TransportOptions& t) {
  for (const char* opt : {"--smtp-connect", "--mta-sts-connect"}) {
    if (ctx.opts.has(opt) && !valid_ip_port(ctx.opts.value(opt)))
      return ctx.usage_error(std::string(opt) + " needs IP:PORT");
  }
  for (const auto& v : ctx.opts.values("--mx-host")) {
    std::string h;
    if (!host_arg(v, h)) return ctx.usage_error("--mx-host " + log_safe(v) + ": not a host name");
    if (std::find(t.mx_hosts.begin(), t.mx_hosts.end(), h) == t.mx_hosts.end()) t.mx_hosts.push_back(h);
  }
  t.next_key = ctx.opts.value("--next-key");
  t.https_ca_file = ctx.opts.value("--mta-sts-ca");
  t.https_connect = ctx.opts.value("--mta-sts-connect");
  return 0;
}

}  // namespace postern::ctl
