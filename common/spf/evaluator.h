// SpfEvaluator: RFC 7208 check_host() for the MAIL FROM and HELO identities, over the injected
// Resolver. Limits (section 4.6.4): at most 10 DNS-querying terms (include, a, mx, ptr, exists,
// redirect, and the PTR lookups of the first %{p} macro), at most 2 void lookups (NXDOMAIN or no records), at
// most 10 MX names per mx and 10 PTR names per ptr; one Deadline for the whole evaluation. DNS timeouts and
// SERVFAIL give temperror, syntax errors and exceeded limits permerror. Every DNS step goes into a trail for
// `posternctl spf`. Thread-safe: each call keeps its state on its own stack.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/authres/result.h"
#include "common/core/deadline.h"
#include "common/dns/resolver.h"
#include "common/net/ip.h"

namespace postern {

// SPF results are the shared RFC 8601 keywords (common/authres/result.h); SPF never gives policy.
using SpfResult = AuthResult;

// Which identity was checked (RFC 7208 section 2.3, 2.4): identity= in Received-SPF.
enum class SpfIdentity { mailfrom, helo };
const char* to_string(SpfIdentity i);

struct SpfLimits {
  int dns_terms = 10;
  int void_lookups = 2;
  int mx_names = 10;
  int ptr_names = 10;
};

struct SpfVerdict {
  SpfResult result = SpfResult::none;
  SpfIdentity identity = SpfIdentity::mailfrom;
  std::string domain;       // the domain checked (MAIL FROM domain, or the HELO name)
  std::string sender;       // the sender checked (postmaster@HELO for the null sender)
  std::string reason;       // why, for logs and the A-R reason
  std::string explanation;  // from exp= on fail, when the domain published one
  std::vector<std::string> trail;
  int dns_terms = 0;
  int void_lookups = 0;
};

class SpfEvaluator {
 public:
  explicit SpfEvaluator(Resolver& resolver, SpfLimits limits = {}, std::string receiver = "unknown")
      : resolver_(resolver), limits_(limits), receiver_(std::move(receiver)) {}

  // MAIL FROM identity; a null sender ("" or "<>") checks postmaster@HELO instead (section 2.4).
  SpfVerdict check_mail_from(const IpAddress& ip, std::string_view mail_from, std::string_view helo,
                             Deadline deadline, int64_t now_unix = 0) const;
  // HELO identity (section 2.3).
  SpfVerdict check_helo(const IpAddress& ip, std::string_view helo, Deadline deadline,
                        int64_t now_unix = 0) const;

 private:
  struct Run;
  Resolver& resolver_;
  SpfLimits limits_;
  std::string receiver_;
};

}  // namespace postern
