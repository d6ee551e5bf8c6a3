// Ed25519Signer: makes one ed25519-sha256 DKIM-Signature (RFC 8463) itself, with OpenSSL, instead
// of through libopendkim, whose 2.11 dkim_free() leaks the key objects of every ed25519 signing
// handle (about 1.3 KB per signed message, found by LeakSanitizer) and folds the header it signs
// differently from the one it returns. RSA signatures still come from libopendkim.
// Same contract as a libopendkim signing handle: headers in message order ("name:value" with CRLF
// folding), body chunks of any size (hashed as they come, never stored), then finish(). Headers are
// kept (bounded by the session's limits) because h= is only known at the end. Signed header fields
// are chosen like libopendkim does: every field of sign_headers present, in message order, then
// every oversign_headers name once more.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"
#include "common/dkim/canon.h"
#include "common/dkim/dkim.h"

namespace postern {

class Ed25519Signer {
 public:
  Ed25519Signer(const DkimSignPlan& plan, const DkimOptions& options, int64_t now);
  ~Ed25519Signer();
  Ed25519Signer(const Ed25519Signer&) = delete;
  Ed25519Signer& operator=(const Ed25519Signer&) = delete;

  void add_header(std::string_view name, std::string_view value);
  void add_body(std::string_view chunk);
  // The header value, folded with CRLF TAB.
  Result<std::string> finish();

 private:
  struct Hash;
  const DkimSignPlan plan_;
  const DkimOptions& options_;
  int64_t now_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::unique_ptr<Hash> body_hash_;
  BodyCanonicalizer body_;
  bool failed_ = false;
};

}  // namespace postern
