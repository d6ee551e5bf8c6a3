// Implements DkimEngine: the signing-header options and the pool of libopendkim handles. The
// sessions are in sign_session.cpp and verify_session.cpp. Contract in dkim.h.
#include "common/dkim/dkim.h"

#include <algorithm>

#include "common/core/ascii.h"
#include "common/dkim/library.h"

namespace postern {

DkimEngine::DkimEngine(DkimOptions options, Resolver& resolver, const Clock& clock)
    : options_(std::move(options)), resolver_(resolver), clock_(clock), pool_(std::make_unique<Pool>()) {
  // From is always signed (RFC 6376 5.4); names are checked so libopendkim's regex stays literal.
  auto clean = [](std::vector<std::string>& names) {
    std::vector<std::string> out;
    for (auto& n : names) {
      bool ok = !n.empty() && std::all_of(n.begin(), n.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
               c == '_';
      });
      if (ok) out.push_back(n);
    }
    names = std::move(out);
  };
  clean(options_.sign_headers);
  clean(options_.oversign_headers);
  auto has_from = [](const std::vector<std::string>& v) {
    return std::any_of(v.begin(), v.end(), [](const std::string& n) { return ascii_lower(n) == "from"; });
  };
  if (!has_from(options_.sign_headers)) options_.sign_headers.insert(options_.sign_headers.begin(), "From");
  pool_->opts = &options_;
  if (DKIM_LIB* lib = pool_->acquire()) {
    pool_->ed25519 = dkim_libfeature(lib, DKIM_FEATURE_ED25519);
    pool_->release(lib);
  }
}

DkimEngine::~DkimEngine() = default;

bool DkimEngine::supports_ed25519() const { return pool_->ed25519; }

}  // namespace postern
