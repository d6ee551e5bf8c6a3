// Fuzz target: the stored-password parser and the passwd-file parser (user databases may be
// damaged; neither parser may crash, and a parsed crypt string must verify without crashing).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/auth/passwd_file.h"
#include "common/auth/password_hash.h"
#include "common/auth/password_scheme.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto file = postern::parse_passwd_file(in);
  if (file && file->passwords.size() > postern::kMaxPasswdFileUsers) std::abort();
  auto stored = postern::parse_stored_password(in.substr(0, 256));
  // Cheap schemes only: verifying a fuzzed "$6$rounds=999999999$" would only measure the fuzzer's patience.
  if (stored && (stored->scheme == postern::PasswordScheme::plain ||
                 stored->scheme == postern::PasswordScheme::des_crypt))
    (void)postern::verify_password(*stored, "password");
  return 0;
}
