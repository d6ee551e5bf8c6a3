// The names of one report (RFC 9990 section 2.5): the Report-ID (which is also the file name's
// unique-id, as the RFC asks them to be identical, so only letters and digits), the attachment's
// file name "receiver!policy-domain!begin!end!unique-id.xml.gz" and the Subject "Report Domain:
// ... Submitter: ... Report-ID: <...>". The Report-ID is derived (SHA-256) from the receiver, this
// host's name, the policy domain and the period, so building the same report again, or resending
// it, gives the same Report-ID and file name, and two hosts of one receiver never collide.
// Inputs are domain names we checked or wrote ourselves. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace postern {

std::string dmarc_report_id(std::string_view receiver, std::string_view host, std::string_view policy_domain,
                            int64_t begin);
std::string dmarc_report_file_name(std::string_view receiver, std::string_view policy_domain, int64_t begin,
                                   int64_t end, std::string_view report_id);
std::string dmarc_report_subject(std::string_view policy_domain, std::string_view receiver,
                                 std::string_view report_id);

}  // namespace postern
