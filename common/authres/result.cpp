// Implements AuthResult's keywords. Contract in result.h.
#include "common/authres/result.h"

#include <strings.h>

namespace postern {

namespace {

constexpr AuthResult kAll[] = {AuthResult::none,      AuthResult::pass,     AuthResult::fail,
                               AuthResult::softfail,  AuthResult::neutral,  AuthResult::policy,
                               AuthResult::temperror, AuthResult::permerror};

}  // namespace

const char* to_string(AuthResult r) {
  switch (r) {
    case AuthResult::none:
      return "none";
    case AuthResult::pass:
      return "pass";
    case AuthResult::fail:
      return "fail";
    case AuthResult::softfail:
      return "softfail";
    case AuthResult::neutral:
      return "neutral";
    case AuthResult::policy:
      return "policy";
    case AuthResult::temperror:
      return "temperror";
    case AuthResult::permerror:
      return "permerror";
  }
  return "none";
}

std::optional<AuthResult> parse_auth_result(std::string_view keyword) {
  for (AuthResult r : kAll) {
    std::string_view name = to_string(r);
    if (keyword.size() == name.size() && strncasecmp(keyword.data(), name.data(), name.size()) == 0) return r;
  }
  return std::nullopt;
}

}  // namespace postern
