// posternctl's help texts, each line at most kHelpWidth columns: the command list (posternctl
// --help), one command's synopsis and options (COMMAND [SUB] --help), the commands under one name
// (posternctl greylist --help), and the short synopsis printed with a usage error. Long synopses
// and summaries are wrapped at spaces outside [brackets]; a word or bracketed group longer than
// a line is left whole. Trusts the
// command table (our own text).
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tools/posternctl/command.h"

namespace postern::ctl {

inline constexpr size_t kHelpWidth = 80;

// text wrapped to width columns: the first line starts with first_prefix, the others with
// next_prefix; each line ends with '\n'.
std::string wrap(std::string_view text, std::string_view first_prefix, std::string_view next_prefix,
                 size_t width = kHelpWidth);

// The global options, as an ArgSpec (main parses them with it) and for help texts.
const ArgSpec& global_spec();

void print_global_help(std::ostream& out, const std::vector<Command>& commands);
// "usage: posternctl SYNOPSIS" wrapped, then the summary and every option with its help.
void print_command_help(std::ostream& out, const Command& c);
// The synopses of the commands named name, or whose full name starts with it ("dmarc report")
// (for "posternctl greylist --help" or a missing subcommand).
void print_group_help(std::ostream& out, const std::vector<Command>& commands, std::string_view name);
// "usage: posternctl SYNOPSIS" wrapped, and where to find more.
void print_usage(std::ostream& out, const Command& c);

}  // namespace postern::ctl
