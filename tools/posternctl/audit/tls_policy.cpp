// Implements the TLS setting evaluators. Contract in tls_policy.h.
#include "tools/posternctl/audit/tls_policy.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace postern::audit {
namespace {

bool proto_from(std::string_view w, Proto& p) {
  static const std::pair<std::string_view, Proto> kNames[] = {
      {"SSLv2", Proto::sslv2},    {"SSLv3", Proto::sslv3},    {"TLSv1", Proto::tls1_0},
      {"TLSv1.1", Proto::tls1_1}, {"TLSv1.2", Proto::tls1_2}, {"TLSv1.3", Proto::tls1_3}};
  for (const auto& [n, v] : kNames)
    if (w == n) {
      p = v;
      return true;
    }
  return false;
}

}  // namespace

const char* proto_name(Proto p) {
  switch (p) {
    case Proto::sslv2:
      return "SSLv2";
    case Proto::sslv3:
      return "SSLv3";
    case Proto::tls1_0:
      return "TLSv1";
    case Proto::tls1_1:
      return "TLSv1.1";
    case Proto::tls1_2:
      return "TLSv1.2";
    case Proto::tls1_3:
      return "TLSv1.3";
  }
  return "?";
}

std::string ProtoSet::below(Proto min) const {
  std::string out;
  for (int i = 0; i < static_cast<int>(min); ++i)
    if (has(static_cast<Proto>(i)))
      out += (out.empty() ? "" : ", ") + std::string(proto_name(static_cast<Proto>(i)));
  return out;
}

ProtoSet postfix_protocols(std::string_view spec) {
  if (spec.size() > kMaxTlsSettingBytes) spec = spec.substr(0, kMaxTlsSettingBytes);
  ProtoSet include, exclude;
  bool any_include = false;
  int lo = 0, hi = kProtoCount - 1;
  size_t i = 0;
  while (i < spec.size()) {
    while (i < spec.size() && (spec[i] == ' ' || spec[i] == '\t' || spec[i] == ',' || spec[i] == ':')) ++i;
    size_t st = i;
    while (i < spec.size() && !(spec[i] == ' ' || spec[i] == '\t' || spec[i] == ',' || spec[i] == ':')) ++i;
    std::string_view w = spec.substr(st, i - st);
    if (w.empty()) continue;
    Proto p;
    if (w[0] == '!' && proto_from(w.substr(1), p))
      exclude.add(p);
    else if (w.substr(0, 2) == ">=" && proto_from(w.substr(2), p))
      lo = std::max(lo, static_cast<int>(p));
    else if (w.substr(0, 2) == "<=" && proto_from(w.substr(2), p))
      hi = std::min(hi, static_cast<int>(p));
    else if (proto_from(w, p)) {
      include.add(p);
      any_include = true;
    }
  }
  ProtoSet out;
  for (int k = 0; k < kProtoCount; ++k) {
    Proto p = static_cast<Proto>(k);
    bool in = any_include ? include.has(p) : true;
    if (in && !exclude.has(p) && k >= lo && k <= hi) out.add(p);
  }
  return out;
}

Proto dovecot_min_protocol(std::string_view v) {
  Proto p;
  if (v == "ANY" || v == "SSLv3") return Proto::sslv3;
  if (proto_from(v, p)) return p;
  return Proto::tls1_2;
}

const char* weak_class_name(WeakClass c) {
  switch (c) {
    case WeakClass::null_cipher:
      return "eNULL";
    case WeakClass::anon:
      return "aNULL";
    case WeakClass::export_:
      return "EXPORT";
    case WeakClass::rc4:
      return "RC4";
    case WeakClass::des3:
      return "3DES";
    case WeakClass::md5:
      return "MD5";
  }
  return "?";
}

std::string WeakClasses::names() const {
  std::string out;
  for (auto c : present) out += (out.empty() ? "" : ", ") + std::string(weak_class_name(c));
  return out;
}

WeakClasses weak_suite_classes(const std::string& cipher_string) {
  WeakClasses res;
  if (cipher_string.size() > kMaxTlsSettingBytes) {
    res.valid = false;
    return res;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    res.valid = false;
    return res;
  }
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_min_proto_version(ctx, 0);
  if (!SSL_CTX_set_cipher_list(ctx, cipher_string.c_str())) {
    ERR_clear_error();
    res.valid = false;
    SSL_CTX_free(ctx);
    return res;
  }
  bool seen[kWeakClassCount] = {};
  SSL* ssl = SSL_new(ctx);
  STACK_OF(SSL_CIPHER)* sk = ssl ? SSL_get1_supported_ciphers(ssl) : nullptr;
  for (int i = 0; sk && i < sk_SSL_CIPHER_num(sk); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(sk, i);
    std::string name = SSL_CIPHER_get_name(c);
    if (SSL_CIPHER_get_cipher_nid(c) == NID_undef) seen[static_cast<int>(WeakClass::null_cipher)] = true;
    if (SSL_CIPHER_get_auth_nid(c) == NID_auth_null) seen[static_cast<int>(WeakClass::anon)] = true;
    if (name.find("EXP") == 0) seen[static_cast<int>(WeakClass::export_)] = true;
    if (name.find("RC4") != std::string::npos) seen[static_cast<int>(WeakClass::rc4)] = true;
    if (name.find("DES-CBC3") != std::string::npos || name.find("3DES") != std::string::npos)
      seen[static_cast<int>(WeakClass::des3)] = true;
    if (SSL_CIPHER_get_digest_nid(c) == NID_md5) seen[static_cast<int>(WeakClass::md5)] = true;
  }
  sk_SSL_CIPHER_free(sk);
  if (ssl) SSL_free(ssl);
  SSL_CTX_free(ctx);
  for (int k = 0; k < kWeakClassCount; ++k)
    if (seen[k]) res.present.push_back(static_cast<WeakClass>(k));
  return res;
}

}  // namespace postern::audit
