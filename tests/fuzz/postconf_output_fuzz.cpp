// libFuzzer target for the postconf output readers (tools/posternctl/audit/postconf_lines.h,
// master_cf_lines.h, postconf_expand.h, postfix_config.h): the input is split at its first NUL
// bytes into `postconf` (all parameters), `postconf -M`, `postconf -P` and master.cf text. Every
// reader must return a value or an error; every service's parameters are then expanded.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tools/posternctl/audit/master_cf_lines.h"
#include "tools/posternctl/audit/postconf_expand.h"
#include "tools/posternctl/audit/postconf_lines.h"
#include "tools/posternctl/audit/postfix_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  for (int i = 0; i < 3; ++i) {
    size_t z = in.find('\0');
    parts.push_back(in.substr(0, z));
    in = z == std::string_view::npos ? std::string_view() : in.substr(z + 1);
  }
  parts.push_back(in);
  using namespace postern::audit;
  (void)parse_postconf_params(parts[0]);
  (void)parse_postconf_services(parts[1]);
  (void)master_cf_entry_lines(parts[3]);
  if (auto p = parse_postconf_params(parts[2]))
    for (const auto& x : *p) (void)split_service_param(x.name);
  auto c = PostfixConfig::from_outputs(parts[0], parts[0], "", parts[1], parts[2], parts[3], "/etc/postfix");
  if (c) {
    if (auto all = parse_postconf_params(parts[0]))
      // The first parameters only: a real `postconf` output has a thousand, and each is expanded
      // once per service; a few dozen exercise the expansion as well and keep the runs fast.
      for (size_t k = 0; k < all->size() && k < 64; ++k) {
        const auto& x = (*all)[k];
        (void)c->get(x.name);
        for (const auto& s : c->services) {
          (void)c->get(s, x.name);
          (void)s.port();
          (void)s.where();
        }
      }
  }
  return 0;
}
