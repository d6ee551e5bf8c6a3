// AuthResult: the result keywords of RFC 8601 (section 2.7: none, pass, fail, softfail, neutral,
// policy, temperror, permerror), one enum shared by SPF (RFC 7208 section 2.6), DKIM and DMARC
// wherever a result crosses a module boundary: DMARC's inputs, Authentication-Results, the report
// log, posternctl. SPF never gives policy, DKIM never softfail. parse_auth_result reads a keyword
// (ASCII case-insensitive, e.g. from posternctl's command line); anything else is nullopt. Pure.
#pragma once

#include <optional>
#include <string_view>

namespace postern {

enum class AuthResult { none, pass, fail, softfail, neutral, policy, temperror, permerror };

const char* to_string(AuthResult r);  // the RFC 8601 keyword
std::optional<AuthResult> parse_auth_result(std::string_view keyword);

}  // namespace postern
