// libFuzzer target for the doveconf readers (tools/posternctl/audit/doveconf_output.h,
// dovecot_config.h): the input is `doveconf -n` output, then after a NUL the effective output,
// then after another NUL doveconf's standard error. Each must give a value or an error; the
// listeners of a parsed config are then listed.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/posternctl/audit/dovecot_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view part[3];
  for (int i = 0; i < 2; ++i) {
    size_t z = in.find('\0');
    part[i] = in.substr(0, z);
    in = z == std::string_view::npos ? std::string_view() : in.substr(z + 1);
  }
  part[2] = in;
  using namespace postern::audit;
  (void)parse_doveconf(part[0]);
  (void)parse_doveconf_warnings(part[2]);
  if (auto c = dovecot_config_from_outputs(part[0], part[1], part[2], "/etc/dovecot/dovecot.conf")) {
    (void)c->listeners();
    for (const auto& k : kDovecotAuditKeys) (void)c->get(k);
  }
  return 0;
}
