// Implements posternctl's option parser. Contract in options.h.
#include "tools/posternctl/options.h"

#include <algorithm>

namespace postern::ctl {
namespace {

constexpr size_t kMaxShownBytes = 64;  // of a word quoted in an error message

// A word for an error message: quoted, cut at kMaxShownBytes, control and non-ASCII bytes as '?'.
std::string shown(std::string_view word) {
  std::string out = "\"";
  for (size_t i = 0; i < word.size() && i < kMaxShownBytes; ++i) {
    auto u = static_cast<unsigned char>(word[i]);
    out += (u < 0x20 || u >= 0x7f) ? '?' : word[i];
  }
  if (word.size() > kMaxShownBytes) out += "...";
  return out + "\"";
}

std::string range_text(NumberRange r) { return std::to_string(r.min) + ".." + std::to_string(r.max); }

const OptionSpec* find_option(const ArgSpec& spec, std::string_view name) {
  for (const auto& o : spec.options) {
    if (o.name == name || (!o.alias.empty() && o.alias == name)) return &o;
  }
  return nullptr;
}

Result<void> check_value(const OptionSpec& o, std::string_view value) {
  if (o.number) {
    auto n = parse_decimal(value, *o.number);
    if (!n) return Error::perm(o.name + ": " + shown(value) + " " + n.error().message);
  }
  if (!o.choices.empty() && std::find(o.choices.begin(), o.choices.end(), value) == o.choices.end()) {
    std::string list;
    for (const auto& c : o.choices) list += (list.empty() ? "" : ", ") + c;
    return Error::perm(o.name + ": " + shown(value) + " is not one of " + list);
  }
  return ok();
}

}  // namespace

bool ParsedArgs::has(std::string_view name) const { return options.find(std::string(name)) != options.end(); }

std::string ParsedArgs::value(std::string_view name, std::string_view fallback) const {
  auto it = options.find(std::string(name));
  if (it == options.end() || it->second.empty()) return std::string(fallback);
  return it->second.back();
}

const std::vector<std::string>& ParsedArgs::values(std::string_view name) const {
  static const std::vector<std::string> kNone;
  auto it = options.find(std::string(name));
  return it == options.end() ? kNone : it->second;
}

uint64_t ParsedArgs::number(std::string_view name, uint64_t fallback) const {
  auto it = options.find(std::string(name));
  if (it == options.end() || it->second.empty()) return fallback;
  // parse_args accepted it against the option's range; the widest range re-parses it.
  auto n = parse_decimal(it->second.back(), {0, UINT64_MAX});
  return n ? *n : fallback;
}

Result<uint64_t> parse_decimal(std::string_view text, NumberRange range) {
  if (text.empty()) return Error::perm("is not a number (empty)");
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return Error::perm("is not a number (decimal digits only)");
  size_t first = text.find_first_not_of('0');
  std::string_view digits = first == std::string_view::npos ? "0" : text.substr(first);
  if (digits.size() > kMaxNumberDigits) return Error::perm("is out of range " + range_text(range));
  uint64_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<uint64_t>(c - '0');  // 19 digits cannot overflow
  if (n < range.min || n > range.max) return Error::perm("is out of range " + range_text(range));
  return n;
}

Result<ParsedArgs> parse_args(std::span<const std::string> args, const ArgSpec& spec) {
  if (args.size() > kMaxArgs)
    return Error::perm("too many arguments (at most " + std::to_string(kMaxArgs) + ")");
  ParsedArgs out;
  bool options_done = false;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > kMaxArgBytes)
      return Error::perm("argument " + shown(a) + " is too long (at most " + std::to_string(kMaxArgBytes) +
                         " bytes)");
    bool looks_like_option = !options_done && a.size() > 1 && a[0] == '-';
    if (!looks_like_option) {
      if (spec.stop_at_positional) break;
      if (out.positional.size() >= spec.max_positional) return Error::perm("unexpected argument " + shown(a));
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    std::string name = a;
    std::optional<std::string> inline_value;
    if (size_t eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      inline_value = a.substr(eq + 1);
    }
    const OptionSpec* o = find_option(spec, name);
    if (!o) return Error::perm("unknown option " + shown(name));
    std::string value;
    if (o->metavar.empty()) {
      if (inline_value) return Error::perm(o->name + " takes no value");
    } else if (inline_value) {
      value = *inline_value;
    } else {
      if (i + 1 >= args.size()) return Error::perm("missing value for " + o->name);
      value = args[++i];
      if (value.size() > kMaxArgBytes)
        return Error::perm(o->name + ": value too long (at most " + std::to_string(kMaxArgBytes) + " bytes)");
    }
    if (!o->metavar.empty()) {
      if (auto r = check_value(*o, value); !r) return r.error();
    }
    auto& slot = out.options[o->name];
    if (!slot.empty() && !o->repeatable) return Error::perm(o->name + " given more than once");
    slot.push_back(std::move(value));
  }
  out.consumed = i;
  if (!spec.stop_at_positional && out.positional.size() < spec.min_positional)
    return Error::perm(out.positional.empty() ? "missing argument"
                                              : "missing argument after " + shown(out.positional.back()));
  return out;
}

}  // namespace postern::ctl
