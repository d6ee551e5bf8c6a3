// What TLS settings allow, evaluated without connecting:
//   postfix_protocols: a Postfix protocol list (smtpd_tls_protocols syntax: "!SSLv2, !SSLv3",
//     "TLSv1.2 TLSv1.3", ">=TLSv1.2", "<=TLSv1.1"; separators blank, comma, colon) -> the set of
//     versions it allows. Unknown words are ignored, as Postfix warns and goes on.
//   dovecot_min_protocol: Dovecot's ssl_min_protocol value -> the lowest version it allows.
//   weak_suite_classes: an OpenSSL cipher string (as Postfix's tls_*_cipherlist plus exclusions,
//     or Dovecot's ssl_cipher_list) -> which weak classes (NULL, aNULL, EXPORT, RC4, 3DES, MD5)
//     the local OpenSSL would enable for TLS 1.2 and older with it, its @SECLEVEL included.
// Pure functions of their text (the last asks the local OpenSSL); text bounded by
// kMaxTlsSettingBytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace postern::audit {

inline constexpr size_t kMaxTlsSettingBytes = 4096;

enum class Proto : uint8_t { sslv2, sslv3, tls1_0, tls1_1, tls1_2, tls1_3 };
inline constexpr int kProtoCount = 6;
const char* proto_name(Proto p);  // "SSLv2", ..., "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"

struct ProtoSet {
  uint8_t bits = 0;
  bool has(Proto p) const { return bits & (1u << static_cast<int>(p)); }
  void add(Proto p) { bits = static_cast<uint8_t>(bits | (1u << static_cast<int>(p))); }
  void remove(Proto p) { bits = static_cast<uint8_t>(bits & ~(1u << static_cast<int>(p))); }
  // "SSLv3, TLSv1" for the versions of this set below min (for messages).
  std::string below(Proto min) const;
};

ProtoSet postfix_protocols(std::string_view spec);
// The lowest version ssl_min_protocol allows; sslv3 for "SSLv3" and "ANY"; tls1_2 when unknown
// (Dovecot then refuses to start, so the audit need not guess further).
Proto dovecot_min_protocol(std::string_view value);

enum class WeakClass : uint8_t { null_cipher, anon, export_, rc4, des3, md5 };
inline constexpr int kWeakClassCount = 6;
const char* weak_class_name(WeakClass c);  // "eNULL", "aNULL", "EXPORT", "RC4", "3DES", "MD5"

struct WeakClasses {
  std::vector<WeakClass> present;
  bool valid = true;          // false: the local OpenSSL rejects the string outright
  std::string names() const;  // "aNULL, 3DES"
};
WeakClasses weak_suite_classes(const std::string& cipher_string);

}  // namespace postern::audit
