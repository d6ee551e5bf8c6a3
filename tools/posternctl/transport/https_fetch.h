// https_get: one HTTPS GET, for the MTA-STS policy (RFC 8461 3.3): TLS 1.2 or later, the server's
// certificate validated against the system's trusted roots (or, when ca_file is given, only the
// CAs in that file) and for the host name, SNI and Host set to that name. Redirects are not
// followed (the caller sees the 3xx status and Location). The whole exchange is bounded by the
// deadline (connect, handshake, request, response) and by size: at most kMaxHttpHeadBytes of head
// and max_body bytes of body; more is an error, never a partial body.
// The host's addresses come from the injected Resolver (A, then AAAA); connect_address overrides
// where to connect (an IP literal and a port) while validating the certificate for host, as
// curl's --connect-to does: for tests and for a web server behind an address DNS does not give.
// Everything received is untrusted; errors are short texts fit for "lookup failed (...)".
#pragma once

#include <string>

#include "common/core/deadline.h"
#include "common/core/result.h"
#include "common/dns/resolver.h"
#include "tools/posternctl/transport/http_response.h"

namespace postern::ctl {

struct HttpsRequest {
  std::string host;  // certificate name, SNI and Host header
  std::string path = "/";
  std::string connect_address;  // "IP:PORT" or "[IPv6]:PORT"; "" = host's addresses, port 443
  std::string ca_file;          // PEM CAs to trust instead of the system's; "" = system roots
  size_t max_body = 64 * 1024;
};

Result<HttpResponse> https_get(const HttpsRequest& req, Resolver& resolver, Deadline deadline);

}  // namespace postern::ctl
