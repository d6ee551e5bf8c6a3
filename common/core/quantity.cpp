// Implements the quantity parsers. Contract in quantity.h.
#include "common/core/quantity.h"

#include <charconv>
#include <limits>

namespace postern {
namespace {

std::optional<int64_t> scaled_number(std::string_view text, int64_t (*unit)(char)) {
  if (text.empty() || text.size() > kMaxQuantityText) return std::nullopt;
  int64_t mult = 1;
  char last = text.back();
  if (last < '0' || last > '9') {
    mult = unit(last);
    if (mult == 0) return std::nullopt;
    text.remove_suffix(1);
  }
  if (text.empty()) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  if (value > std::numeric_limits<int64_t>::max() / mult) return std::nullopt;
  return value * mult;
}

int64_t byte_unit(char c) {
  switch (c) {
    case 'k':
    case 'K':
      return int64_t{1} << 10;
    case 'm':
    case 'M':
      return int64_t{1} << 20;
    case 'g':
    case 'G':
      return int64_t{1} << 30;
    case 't':
    case 'T':
      return int64_t{1} << 40;
    default:
      return 0;
  }
}

int64_t time_unit(char c) {
  switch (c) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 86400;
    case 'w':
      return 7 * 86400;
    default:
      return 0;
  }
}

}  // namespace

std::optional<int64_t> parse_byte_size(std::string_view text) { return scaled_number(text, byte_unit); }

std::optional<int64_t> parse_duration_seconds(std::string_view text) {
  return scaled_number(text, time_unit);
}

namespace {
struct Unit {
  int64_t size;
  const char* name;
};

template <size_t N>
std::string render(int64_t value, const Unit (&units)[N], const char* plain) {
  if (value > 0) {
    for (const Unit& u : units) {
      if (value % u.size == 0) return std::to_string(value / u.size) + u.name;
    }
  }
  return std::to_string(value) + plain;
}
}  // namespace

std::string render_byte_size(int64_t bytes) {
  static constexpr Unit kUnits[] = {
      {int64_t{1} << 40, "T"}, {int64_t{1} << 30, "G"}, {int64_t{1} << 20, "M"}, {int64_t{1} << 10, "K"}};
  return render(bytes, kUnits, "");
}

std::string render_duration_seconds(int64_t seconds) {
  static constexpr Unit kUnits[] = {{7 * 86400, "w"}, {86400, "d"}, {3600, "h"}, {60, "m"}};
  return render(seconds, kUnits, "s");
}

}  // namespace postern
