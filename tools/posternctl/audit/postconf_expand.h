// expand_postfix_value: Postfix's $name expansion of a parameter value, as a service sees it
// after its master.cf -o overrides: $name, ${name} and $(name) are replaced by the named
// parameter's value (expanded in turn), ${name?text} by text when name is non-empty,
// ${name:text} by text when name is empty, "$$" by "$". An unknown name expands to "" as in
// Postfix. Pure; lookup returns nullptr for an unknown name. Limits: recursion at most
// kMaxExpandDepth levels, at most kMaxExpandLookups names looked up
// (a chain of "$a$a" doubles the work per level), result at most kMaxExpandedBytes; past either the error
// says which.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern::audit {

inline constexpr size_t kMaxExpandDepth = 20;
inline constexpr size_t kMaxExpandedBytes = 256 * 1024;
inline constexpr size_t kMaxExpandLookups = 10000;

using ParamLookup = std::function<const std::string*(std::string_view name)>;

Result<std::string> expand_postfix_value(std::string_view value, const ParamLookup& lookup);

}  // namespace postern::audit
