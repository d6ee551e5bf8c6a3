// Implements parse_stored_password. Contract in password_scheme.h.
#include "common/auth/password_scheme.h"

namespace postern {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Characters crypt(3) strings are made of: the salt/hash alphabet plus '$', '=', ',' and digits.
bool crypt_charset(std::string_view s) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '/' || c == '$' || c == '=' || c == ',';
    if (!ok) return false;
  }
  return true;
}

// The method of a bare crypt(3) string, judged by its prefix.
Result<PasswordScheme> crypt_method(std::string_view data) {
  if (!crypt_charset(data)) return Error::perm("invalid character in crypt hash");
  if (starts_with(data, "$6$")) return PasswordScheme::sha512_crypt;
  if (starts_with(data, "$5$")) return PasswordScheme::sha256_crypt;
  if (starts_with(data, "$2a$") || starts_with(data, "$2b$") || starts_with(data, "$2y$"))
    return PasswordScheme::blf_crypt;
  if (starts_with(data, "$y$")) return PasswordScheme::yescrypt;
  if (starts_with(data, "$1$")) return PasswordScheme::md5_crypt;
  if (data.size() == 13 && data[0] != '$') return PasswordScheme::des_crypt;
  return Error::perm("unknown crypt hash method");
}

Result<StoredPassword> expect(PasswordScheme want, std::string_view data, const char* name) {
  auto m = crypt_method(data);
  if (!m) return m.error();
  if (*m != want) return Error::perm(std::string("hash does not match scheme ") + name);
  return StoredPassword{want, std::string(data)};
}

}  // namespace

bool scheme_is_weak(PasswordScheme s) {
  return s == PasswordScheme::md5_crypt || s == PasswordScheme::des_crypt || s == PasswordScheme::plain;
}

const char* scheme_name(PasswordScheme s) {
  switch (s) {
    case PasswordScheme::sha512_crypt:
      return "SHA512-CRYPT";
    case PasswordScheme::sha256_crypt:
      return "SHA256-CRYPT";
    case PasswordScheme::blf_crypt:
      return "BLF-CRYPT";
    case PasswordScheme::yescrypt:
      return "CRYPT(yescrypt)";
    case PasswordScheme::md5_crypt:
      return "MD5-CRYPT";
    case PasswordScheme::des_crypt:
      return "CRYPT(DES)";
    case PasswordScheme::plain:
      return "PLAIN";
  }
  return "?";
}

Result<StoredPassword> parse_stored_password(std::string_view text) {
  if (text.empty()) return Error::perm("empty password field");
  if (text.size() > kMaxStoredPassword) return Error::perm("stored password too long");
  std::string scheme = "CRYPT";
  std::string_view data = text;
  if (text[0] == '{') {
    size_t close = text.find('}');
    if (close == std::string_view::npos || close == 1 || close - 1 > kMaxSchemeName)
      return Error::perm("malformed {SCHEME} prefix");
    scheme = std::string(text.substr(1, close - 1));
    for (char& c : scheme) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    data = text.substr(close + 1);
  }
  if (scheme == "PLAIN" || scheme == "CLEARTEXT")
    return StoredPassword{PasswordScheme::plain, std::string(data)};
  if (data.empty()) return Error::perm("empty hash");
  if (scheme == "CRYPT") {
    auto m = crypt_method(data);
    if (!m) return m.error();
    return StoredPassword{*m, std::string(data)};
  }
  if (scheme == "SHA512-CRYPT") return expect(PasswordScheme::sha512_crypt, data, "SHA512-CRYPT");
  if (scheme == "SHA256-CRYPT") return expect(PasswordScheme::sha256_crypt, data, "SHA256-CRYPT");
  if (scheme == "BLF-CRYPT") return expect(PasswordScheme::blf_crypt, data, "BLF-CRYPT");
  if (scheme == "MD5-CRYPT") return expect(PasswordScheme::md5_crypt, data, "MD5-CRYPT");
  return Error::perm("unsupported password scheme {" + scheme + "}");
}

}  // namespace postern
