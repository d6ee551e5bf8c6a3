// Fuzz target: posternctl's option parser (tools/posternctl/options.h). The input is a command
// line, words separated by NUL bytes, parsed against a spec with every kind of option; what parses
// must keep the spec's promises (numbers in range, choices from the list, one value for a
// non-repeatable option, positional count within bounds). The whole input is also parsed as a
// number, which must round-trip.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tools/posternctl/options.h"

namespace {

using postern::ctl::ArgSpec;
using postern::ctl::NumberRange;

ArgSpec make_spec(bool stop_at_positional) {
  ArgSpec spec;
  spec.options.push_back({"--limit", "N", "", NumberRange{1, 1000}, {}, false, ""});
  spec.options.push_back({"--big", "N", "", NumberRange{0, UINT64_MAX}, {}, false, ""});
  spec.options.push_back({"--type", "T", "", std::nullopt, {"rsa", "ed25519"}, false, ""});
  spec.options.push_back({"--ip", "IP", "", std::nullopt, {}, true, ""});
  spec.options.push_back({"--config", "FILE", "", std::nullopt, {}, false, "-c"});
  spec.options.push_back({"--check", "", "", std::nullopt, {}, false, ""});
  spec.min_positional = 1;
  spec.max_positional = 2;
  spec.stop_at_positional = stop_at_positional;
  return spec;
}

void check(const std::vector<std::string>& words, const ArgSpec& spec) {
  auto r = postern::ctl::parse_args(words, spec);
  if (!r) {
    if (r.error().message.empty()) std::abort();
    return;
  }
  if (r->consumed > words.size()) std::abort();
  if (!spec.stop_at_positional && (r->positional.size() < spec.min_positional ||
                                   r->positional.size() > spec.max_positional || r->consumed != words.size()))
    std::abort();
  for (const auto& [name, values] : r->options) {
    const postern::ctl::OptionSpec* o = nullptr;
    for (const auto& s : spec.options) {
      if (s.name == name) o = &s;
    }
    if (!o || values.empty() || (!o->repeatable && values.size() != 1)) std::abort();
    for (const auto& v : values) {
      if (o->metavar.empty() && !v.empty()) std::abort();
      if (o->number) {
        auto n = postern::ctl::parse_decimal(v, *o->number);
        if (!n || *n < o->number->min || *n > o->number->max) std::abort();
      }
      if (!o->choices.empty() && v != "rsa" && v != "ed25519") std::abort();
    }
  }
  uint64_t limit = r->number("--limit", 5);
  if (limit < 1 || limit > 1000) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= text.size() && words.size() <= postern::ctl::kMaxArgs + 1) {
    size_t end = text.find('\0', start);
    if (end == std::string_view::npos) end = text.size();
    words.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  check(words, make_spec(false));
  check(words, make_spec(true));
  auto n = postern::ctl::parse_decimal(text, {0, UINT64_MAX});
  if (n) {
    size_t first = text.find_first_not_of('0');
    std::string digits(first == std::string_view::npos ? "0" : text.substr(first));
    if (std::to_string(*n) != digits) std::abort();
  }
  return 0;
}
