// [dkim] section: DKIM signing (outbound) and verification (inbound), done by postern-milter with
// common/dkim. Keys come from [[dkim.key]] tables and/or OpenDKIM-format KeyTable/SigningTable
// files (for migration). Only syntax is checked here; key files are read by common/dkim.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/config/reader.h"
#include "common/core/clock.h"

namespace postern {

struct DkimKeyConfig {
  std::string domain;    // d=; "%" is not allowed here (use one table per domain)
  std::string selector;  // s=
  std::string key_file;  // absolute path of the PEM (or RFC 8463 base64 ed25519) private key
  // From: addresses this key signs for (SigningTable patterns); empty: ["*@DOMAIN"].
  std::vector<std::string> signing;
};

enum class DkimCanonicalization { relaxed_relaxed, relaxed_simple, simple_relaxed, simple_simple };
inline constexpr Choice<DkimCanonicalization> kDkimCanonicalizations[] = {
    {"relaxed/relaxed", DkimCanonicalization::relaxed_relaxed},
    {"relaxed/simple", DkimCanonicalization::relaxed_simple},
    {"simple/relaxed", DkimCanonicalization::simple_relaxed},
    {"simple/simple", DkimCanonicalization::simple_simple}};
enum class DkimBodyLengthTag { policy, allow };
inline constexpr Choice<DkimBodyLengthTag> kDkimBodyLengthTags[] = {{"policy", DkimBodyLengthTag::policy},
                                                                    {"allow", DkimBodyLengthTag::allow}};

struct DkimConfig {
  bool enabled = true;
  bool sign = true;    // sign mail of authenticated / internal clients when a key matches its From:
  bool verify = true;  // verify signatures of other mail
  // OpenDKIM-format files ("" = none): KeyTable "NAME DOMAIN:SELECTOR:KEYFILE", SigningTable
  // "PATTERN NAME" (refile wildcards).
  std::string key_table;
  std::string signing_table;
  // SigningTable: sign with every matching line, not only the first (OpenDKIM MultipleSignatures).
  bool multiple_signatures = false;
  std::vector<DkimKeyConfig> keys;  // [[dkim.key]]
  std::vector<std::string> sign_headers = {"From",
                                           "Sender",
                                           "Reply-To",
                                           "Subject",
                                           "Date",
                                           "Message-ID",
                                           "To",
                                           "Cc",
                                           "In-Reply-To",
                                           "References",
                                           "MIME-Version",
                                           "Content-Type",
                                           "Content-Transfer-Encoding",
                                           "Content-ID",
                                           "Content-Description",
                                           "Resent-Date",
                                           "Resent-From",
                                           "Resent-Sender",
                                           "Resent-To",
                                           "Resent-Cc",
                                           "Resent-Message-ID",
                                           "List-Id",
                                           "List-Help",
                                           "List-Unsubscribe",
                                           "List-Unsubscribe-Post",
                                           "List-Subscribe",
                                           "List-Post",
                                           "List-Owner",
                                           "List-Archive"};
  std::vector<std::string> oversign_headers = {
      "From", "Sender", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc", "In-Reply-To", "References"};
  DkimCanonicalization canonicalization = DkimCanonicalization::relaxed_relaxed;  // HEADER/BODY
  Seconds expire{0};  // x= is t= + expire; 0: no x=
  int64_t max_signatures = 10;
  int64_t min_key_bits = 1024;
  bool allow_rsa_sha1 = false;
  DkimBodyLengthTag body_length_tag = DkimBodyLengthTag::policy;
  std::chrono::milliseconds key_lookup_timeout{5000};
  // Keep parsed public keys (by their exact bytes) across messages so libopendkim does not decode a
  // key it has seen again; postern-milter serves them through its d2i_PUBKEY_bio()
  // (milter/overrides/overrides.h). false: every key is decoded by libcrypto, as without Postern.
  bool key_cache = true;
  // Clients whose mail is signed without SMTP AUTH (e.g. local scripts, other hosts of the site).
  std::vector<std::string> internal_networks = {"127.0.0.0/8", "::1/128"};
};

void read_dkim_config(SectionReader& r, DkimConfig& c);

}  // namespace postern
