// compose_report_mail: one report (build.h) as an RFC 5322 / MIME message to one address: a short
// text/plain part and the gzipped XML as an application/gzip attachment (base64, RFC 2045) named
// as RFC 9990 section 2.5 says, the RFC's Subject, a Message-ID made of the Report-ID (the same
// for a resend, so receivers can spot duplicates). Lines end in LF (sendmail's input). Inputs are
// our configuration and domain names we checked; pure function.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tools/posternctl/dmarc_report/build.h"

namespace postern {

std::string compose_report_mail(const BuiltReport& r, std::string_view from, std::string_view to,
                                int64_t now);
std::string base64_lines(std::string_view bytes);  // 76 columns per line, each line ending in LF

}  // namespace postern
