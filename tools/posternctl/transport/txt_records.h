// The two TXT records of SMTP transport security, parsed from untrusted DNS text:
//   _mta-sts.DOMAIN  "v=STSv1; id=ID"                 (RFC 8461 3.1)
//   _smtp._tls.DOMAIN "v=TLSRPTv1; rua=URI[,URI]..."  (RFC 8460 3)
// Both are "v=VERSION" first, then fields "name=value" separated by ";" with optional white
// space around it, an optional final ";". Pure functions; a record longer than kMaxTransportTxt
// bytes, more than kMaxTransportFields fields or kMaxTlsRptUris report URIs is an error. Unknown
// fields (extensions) are accepted and ignored, as senders do; a repeated known field is an error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::ctl {

inline constexpr size_t kMaxTransportTxt = 4096;
inline constexpr size_t kMaxTransportFields = 32;
inline constexpr size_t kMaxTlsRptUris = 16;

// True when text starts with "v=STSv1" / "v=TLSRPTv1" (then ';', white space or the end): the
// record is meant as one, whether or not it parses.
bool looks_like_mta_sts_record(std::string_view text);
bool looks_like_tlsrpt_record(std::string_view text);

// The id of an MTA-STS TXT record (1 to 32 letters and digits).
Result<std::string> parse_mta_sts_record(std::string_view text);

enum class TlsRptUriKind { mailto, https };
struct TlsRptUri {
  TlsRptUriKind kind = TlsRptUriKind::mailto;
  std::string target;  // the address (mailto) or the whole URL (https)
};

// The rua URIs of a TLS-RPT TXT record: "mailto:" an address with one '@', or "https://" a URL.
Result<std::vector<TlsRptUri>> parse_tlsrpt_record(std::string_view text);

}  // namespace postern::ctl
