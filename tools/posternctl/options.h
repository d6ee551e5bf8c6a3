// posternctl's one option parser: the words after a command's name, checked against that command's
// ArgSpec (its options and how many positional words it takes), into ParsedArgs or an error
// message. A pure function of its input, used for every command and for the global options, so a
// bad number, a missing value, an unknown option or an extra word is caught here, before the
// command runs and before any side effect; main.cpp turns the error into exit 64 with the
// command's synopsis on stderr.
//
// Grammar: "--name VALUE" or "--name=VALUE" for an option with a value, "--name" for a flag,
// "-x VALUE" for a one-letter alias; "--" ends the options (what follows is positional); "-" alone
// is positional (standard input). An option given twice is an error unless it is repeatable.
// Numbers (OptionSpec::number) are plain decimal digits, no sign, no spaces, no "0x", no exponent,
// within [min, max]. Choices (OptionSpec::choices) must match one of the listed words exactly.
//
// Input is untrusted (the command line); limits: at most kMaxArgs words, each at most kMaxArgBytes
// bytes; a number has at most kMaxNumberDigits digits. Errors never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::ctl {

inline constexpr size_t kMaxArgs = 256;
inline constexpr size_t kMaxArgBytes = 4096;    // PATH_MAX: a path is the longest word we take
inline constexpr size_t kMaxNumberDigits = 19;  // every 19-digit number fits in uint64_t

struct NumberRange {
  uint64_t min = 0;
  uint64_t max = 0;
};

struct OptionSpec {
  std::string name;                   // "--limit"
  std::string metavar;                // "N"; empty for a flag that takes no value
  std::string help;                   // one line for COMMAND --help
  std::optional<NumberRange> number;  // the value must be a decimal number in range
  std::vector<std::string> choices;   // the value must be one of these (when not empty)
  bool repeatable = false;
  std::string alias;  // "-c" for "--config"; empty for none
};

struct ArgSpec {
  std::vector<OptionSpec> options;
  size_t min_positional = 0;
  size_t max_positional = 0;
  // Stop at the first positional word and leave it and the rest unparsed (global options, which
  // come before the command's name).
  bool stop_at_positional = false;
};

struct ParsedArgs {
  // Option values by canonical name ("--limit"); a flag maps to one empty string per use.
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> positional;
  size_t consumed = 0;  // words used (all of them unless stop_at_positional)

  bool has(std::string_view name) const;
  // The last value of name, or fallback when it was not given.
  std::string value(std::string_view name, std::string_view fallback = "") const;
  const std::vector<std::string>& values(std::string_view name) const;
  // The value of a number option (already range-checked by parse_args), or fallback.
  uint64_t number(std::string_view name, uint64_t fallback) const;
};

// A decimal number in [min, max]: digits only (at most kMaxNumberDigits). The error message says
// what was wrong ("not a number", "out of range 1..100000").
Result<uint64_t> parse_decimal(std::string_view text, NumberRange range);

// Parses args against spec. The error message names the offending word ("unknown option --frob",
// "--limit: \"abc\" is not a number", "missing value for --out", "unexpected argument \"x\"").
Result<ParsedArgs> parse_args(std::span<const std::string> args, const ArgSpec& spec);

}  // namespace postern::ctl
