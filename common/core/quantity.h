// Quantities written by admins in config files and table files: byte sizes ("200M", "1G",
// "512K", "1048576") and durations ("90s", "10m", "1h", "7d", or bare seconds). Pure functions;
// the text is untrusted: at most kMaxQuantityText bytes, no sign, no spaces, and a value whose
// product overflows int64 is an error, never a wrapped number.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace postern {

inline constexpr size_t kMaxQuantityText = 24;

// Digits with an optional K, M, G or T suffix (powers of 1024, either case).
std::optional<int64_t> parse_byte_size(std::string_view text);
// Digits with an optional s, m, h, d or w suffix, in seconds.
std::optional<int64_t> parse_duration_seconds(std::string_view text);
// The shortest of those forms that reads back as the same value ("1h", "90s", "200M", "1000").
std::string render_byte_size(int64_t bytes);
std::string render_duration_seconds(int64_t seconds);

}  // namespace postern
