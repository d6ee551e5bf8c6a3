// Implements the report names. Contract in naming.h.
#include "tools/posternctl/dmarc_report/naming.h"

#include <openssl/evp.h>

namespace postern {

std::string dmarc_report_id(std::string_view receiver, std::string_view host, std::string_view policy_domain,
                            int64_t begin) {
  std::string in;
  for (std::string_view part : {receiver, host, policy_domain}) {
    in += part;
    in += '!';
  }
  in += std::to_string(begin);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(in.data(), in.size(), digest, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < 16 && i < n; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string dmarc_report_file_name(std::string_view receiver, std::string_view policy_domain, int64_t begin,
                                   int64_t end, std::string_view report_id) {
  return std::string(receiver) + "!" + std::string(policy_domain) + "!" + std::to_string(begin) + "!" +
         std::to_string(end) + "!" + std::string(report_id) + ".xml.gz";
}

std::string dmarc_report_subject(std::string_view policy_domain, std::string_view receiver,
                                 std::string_view report_id) {
  return "Report Domain: " + std::string(policy_domain) + " Submitter: " + std::string(receiver) +
         " Report-ID: <" + std::string(report_id) + ">";
}

}  // namespace postern
