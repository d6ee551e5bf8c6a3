// Fuzz target: the DNS text parsers of posternctl's transport-security checks: the MTA-STS and
// TLS-RPT TXT records (tools/posternctl/transport/txt_records.h) and TLSA data as the resolver
// renders it (tlsa.h). What parses must keep the grammar's promises and the limits.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tools/posternctl/transport/tlsa.h"
#include "tools/posternctl/transport/txt_records.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace postern::ctl;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto id = parse_mta_sts_record(in)) {
    if (!looks_like_mta_sts_record(in) || id->empty() || id->size() > 32) std::abort();
    for (char c : *id) {
      if (!std::isalnum(static_cast<unsigned char>(c))) std::abort();
    }
  }
  if (auto uris = parse_tlsrpt_record(in)) {
    if (!looks_like_tlsrpt_record(in) || uris->empty() || uris->size() > kMaxTlsRptUris) std::abort();
    for (const auto& u : *uris) {
      if (u.kind == TlsRptUriKind::mailto && u.target.find('@') == std::string::npos) std::abort();
    }
  }
  if (auto t = parse_tlsa_rdata(in)) {
    if (t->data_hex.empty() || t->data_hex.size() % 2 || t->data_hex.size() > 2 * kMaxTlsaDataBytes)
      std::abort();
    auto again = parse_tlsa_rdata(t->rdata());
    if (!again || !(*again == *t)) std::abort();
  }
  return 0;
}
