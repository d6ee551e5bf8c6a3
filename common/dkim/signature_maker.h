// SignatureMaker: makes one DKIM-Signature (rsa-sha256, RFC 6376; ed25519-sha256, RFC 8463) with
// OpenSSL, using the key parsed once at load time (DkimPrivateKey::pkey). Signing does not go
// through libopendkim (which verifies): libopendkim 2.11 re-parses the PEM key for every message
// (~400 us with OpenSSL 3, more than the RSA-2048 signature itself), leaks the key objects of
// every ed25519 signing handle (~1.3 KB per message, found by LeakSanitizer), and folds its
// ed25519 header inconsistently under simple canonicalisation.
// Same contract as a signing handle: headers in message order ("name", raw value with CRLF
// folding), body chunks of any size (hashed as they come, never stored), then finish(). Headers are
// kept (the session bounds them) because h= is only known at the end. Signed header fields are
// chosen like libopendkim does: every field of sign_headers present, in message order, then every
// oversign_headers name once more; t= is the session's time, x= t= + expire when expire > 0.
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

class SignatureMaker {
 public:
  SignatureMaker(const DkimSignPlan& plan, const DkimOptions& options, int64_t now);
  ~SignatureMaker();
  SignatureMaker(const SignatureMaker&) = delete;
  SignatureMaker& operator=(const SignatureMaker&) = delete;

  void add_header(std::string_view name, std::string_view value);
  void add_body(std::string_view chunk);
  // The header value (without "DKIM-Signature:"), folded with CRLF TAB. Once only.
  Result<std::string> finish();

 private:
  struct Hash;
  const DkimSignPlan plan_;
  const DkimOptions& options_;
  int64_t now_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::unique_ptr<Hash> body_hash_;
  BodyCanonicalizer body_;
  bool finished_ = false;
};

}  // namespace postern
