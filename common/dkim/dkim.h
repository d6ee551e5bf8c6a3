// DKIM signing and verification (RFC 6376, RFC 8301, RFC 8463).
//
// DkimEngine creates sessions:
//   - DkimSignSession: add_header(name, value) for every header in order, add_body(chunk) with
//     body chunks of any size, finish() -> one DKIM-Signature header value per plan. Signatures
//     are made with OpenSSL by SignatureMaker (signature_maker.h says why not libopendkim).
//   - DkimVerifySession: same feeding; finish() -> a result for every DKIM-Signature (up to
//     max_signatures; the rest are reported neutral without any DNS query). Verification runs on
//     libopendkim; the engine owns its library handles (a pool, one per concurrent session).
// The body is never buffered whole: it is hashed as it streams. Header values are raw: everything
// after the colon, leading white space included (with libmilter, negotiate SMFIP_HDR_LEADSPC so
// Postfix sends it; simple header canonicalisation depends on it), folded lines joined with CRLF or
// LF; body chunks are CRLF text as SMTP carries it. Messages, signatures and DNS answers are
// untrusted; key lookups go only through the injected Resolver (TXT at SELECTOR._domainkey.DOMAIN),
// all keys of one message at once under one deadline: key_lookup_timeout from when the headers end,
// cut to the caller's message deadline when verify() is given one (what is left of it). Which keys sign which
// From: address is in signing_policy.h. Thread-safe: sessions may run concurrently; a session is used by one
// thread at a time; the engine must outlive its sessions.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/authres/result.h"
#include "common/core/clock.h"
#include "common/core/result.h"
#include "common/dkim/body_length.h"
#include "common/dkim/dkim_config.h"
#include "common/dkim/private_key.h"
#include "common/dns/resolver.h"

namespace postern {

inline constexpr size_t kMaxDkimHeaderFields = 1000;        // per message, for signing and verifying
inline constexpr size_t kMaxDkimHeaderBytes = 64 * 1024;    // one header field
inline constexpr size_t kMaxDkimHeaderTotal = 1024 * 1024;  // all header fields of a message

// DKIM results are the shared RFC 8601 keywords (common/authres/result.h); DKIM never gives softfail.
using DkimResult = AuthResult;

enum class BodyLengthPolicy {
  policy,  // a signature whose l= leaves part of the body unsigned is reported "policy", never pass
  allow,   // such a signature passes if the signed part verifies (unsafe: text can be appended)
};

struct DkimOptions {
  // Verifying.
  size_t max_signatures = 10;   // signatures evaluated per message; the rest are neutral
  int min_key_bits = 1024;      // smaller RSA keys give "policy" (RFC 8301)
  bool allow_rsa_sha1 = false;  // rsa-sha1 signatures give "policy" unless set (RFC 8301)
  BodyLengthPolicy body_length = BodyLengthPolicy::policy;
  std::chrono::milliseconds key_lookup_timeout{5000};  // for all key lookups of one message (a cap)
  std::chrono::seconds clock_drift{300};               // tolerance for t= in the future and x=
  // Signing.
  // Defaults as in [dkim]. From is always signed; names that are not plain tokens are dropped.
  std::vector<std::string> sign_headers = DkimConfig{}.sign_headers;
  // Listed once more in h= than present (also when absent), so none can be added after signing.
  std::vector<std::string> oversign_headers = DkimConfig{}.oversign_headers;
  DkimCanon header_canon = DkimCanon::relaxed;
  DkimCanon body_canon = DkimCanon::relaxed;
  std::chrono::seconds expire{0};  // x= = t= + expire; 0: no x=
};

struct DkimSignatureResult {
  DkimResult result = DkimResult::neutral;
  std::string reason;     // short, human-readable: "signature verified", "body hash mismatch", ...
  std::string domain;     // d=
  std::string identity;   // i= (as given; "" when absent)
  std::string selector;   // s=
  std::string algorithm;  // a=
  std::string b;          // the first 16 characters of b= (header.b in Authentication-Results)
  int key_bits = 0;       // when the key was loaded
};

struct DkimVerification {
  DkimResult overall = DkimResult::none;  // pass > temperror > fail > policy > permerror > neutral > none
  std::vector<DkimSignatureResult> signatures;  // in header order (top first)
};

// One signature to add: d=, s= and the key. identity (i=) is optional.
struct DkimSignPlan {
  std::string domain;
  std::string selector;
  std::shared_ptr<const DkimPrivateKey> key;
  std::string identity;
};

class DkimEngine;

class DkimVerifySession {
 public:
  ~DkimVerifySession();
  DkimVerifySession(const DkimVerifySession&) = delete;
  DkimVerifySession& operator=(const DkimVerifySession&) = delete;

  void add_header(std::string_view name, std::string_view value);
  void add_body(std::string_view chunk);
  DkimVerification finish();

  struct Impl;

 private:
  friend class DkimEngine;
  explicit DkimVerifySession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class DkimSignSession {
 public:
  ~DkimSignSession();
  DkimSignSession(const DkimSignSession&) = delete;
  DkimSignSession& operator=(const DkimSignSession&) = delete;

  void add_header(std::string_view name, std::string_view value);
  void add_body(std::string_view chunk);
  // The DKIM-Signature header values (without "DKIM-Signature:"), one per plan in plan order,
  // folded with CRLF TAB. Insert them above the other headers (for libmilter: header_value_lf() in
  // common/mail/header_value.h).
  Result<std::vector<std::string>> finish();

  struct Impl;

 private:
  friend class DkimEngine;
  explicit DkimSignSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class DkimEngine {
 public:
  DkimEngine(DkimOptions options, Resolver& resolver, const Clock& clock);
  ~DkimEngine();
  DkimEngine(const DkimEngine&) = delete;
  DkimEngine& operator=(const DkimEngine&) = delete;

  const DkimOptions& options() const { return options_; }
  // libopendkim was built with ed25519 support (Debian's 2.11 is).
  bool supports_ed25519() const;

  // id names the message in libopendkim's own error texts (e.g. the queue id). An empty plan list
  // is an error, as is a plan without a key or with an invalid domain/selector.
  Result<std::unique_ptr<DkimSignSession>> sign(const std::vector<DkimSignPlan>& plans, std::string_view id);
  // message_deadline: the deadline of all DNS work of the message (postern-milter's
  // [milter].message_timeout, started at MAIL FROM); key lookups end at it or at key_lookup_timeout,
  // whichever comes first. Past it, keys not in the resolver's cache are not asked for at all and
  // their signatures are temperror ("deadline passed").
  Result<std::unique_ptr<DkimVerifySession>> verify(std::string_view id,
                                                    std::optional<Deadline> message_deadline = std::nullopt);

  struct Pool;

 private:
  DkimOptions options_;
  Resolver& resolver_;
  const Clock& clock_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace postern
