// Implements the pool's library handles. Contract in library.h.
#include "common/dkim/library.h"

#include <algorithm>

namespace postern {
namespace {

// libopendkim's own DNS path, should anything ever reach it: refused, so the system resolver is
// never used (every key comes through key_lookup_cb and the injected Resolver).
int refuse_dns_query(void*, int, unsigned char*, unsigned char*, size_t, void**) { return DKIM_DNS_ERROR; }

}  // namespace

DKIM_LIB* DkimEngine::Pool::make() {
  DKIM_LIB* lib = dkim_init(nullptr, nullptr);
  if (!lib) return nullptr;
  uint32_t flags = DKIM_LIBFLAGS_BADSIGHANDLES;
  u_int minbits = static_cast<u_int>(std::max(opts->min_key_bits, 1));
  uint64_t drift = kLibDriftSeconds;
  bool ok =
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) == DKIM_STAT_OK &&
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_MINKEYBITS, &minbits, sizeof minbits) == DKIM_STAT_OK &&
      dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_CLOCKDRIFT, &drift, sizeof drift) == DKIM_STAT_OK &&
      dkim_set_key_lookup(lib, &key_lookup_cb) == DKIM_STAT_OK &&
      dkim_set_prescreen(lib, &prescreen_cb) == DKIM_STAT_OK;
  if (!ok) {
    dkim_close(lib);
    return nullptr;
  }
  dkim_dns_set_query_start(lib, &refuse_dns_query);
  return lib;
}

}  // namespace postern
