// The command-line options that posternctl dns-records and posternctl audit share for the
// transport-security records, read in one place: --smtp-connect and --mta-sts-connect (IP:PORT),
// --mx-host (host names, lower-case, each kept once), --next-key and --mta-sts-ca. Arguments are
// untrusted: a bad one is a usage error naming the option (exit 64 through Context::usage_error).
#pragma once

#include "tools/posternctl/command.h"
#include "tools/posternctl/dns_records_transport.h"

namespace postern::ctl {

// Fills t's shared fields; 0, or the exit status of the usage error already reported.
int read_shared_transport_args(Context& ctx, TransportOptions& t);

}  // namespace postern::ctl
