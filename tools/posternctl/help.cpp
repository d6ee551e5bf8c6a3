// Implements posternctl's help texts. Contract in help.h.
#include "tools/posternctl/help.h"

#include <algorithm>

namespace postern::ctl {
namespace {

constexpr size_t kOptionColumn = 24;  // where an option's help starts, after "  --name VALUE"

std::string full_name(const Command& c) {
  return c.subcommand.empty() ? c.name : c.name + " " + c.subcommand;
}

std::string option_label(const OptionSpec& o) {
  std::string label = o.alias.empty() ? o.name : o.alias + ", " + o.name;
  if (!o.metavar.empty()) label += " " + o.metavar;
  return label;
}

void print_options(std::ostream& out, const std::vector<OptionSpec>& options) {
  for (const auto& o : options) {
    std::string label = "  " + option_label(o);
    std::string help = o.help;
    if (o.repeatable) help += " (repeatable)";
    if (label.size() + 2 > kOptionColumn) {
      out << label << "\n" << wrap(help, std::string(kOptionColumn, ' '), std::string(kOptionColumn, ' '));
    } else {
      label.resize(kOptionColumn, ' ');
      out << wrap(help, label, std::string(kOptionColumn, ' '));
    }
  }
}

std::vector<Command> sorted(const std::vector<Command>& commands) {
  auto cmds = commands;
  std::stable_sort(cmds.begin(), cmds.end(),
                   [](const Command& a, const Command& b) { return full_name(a) < full_name(b); });
  return cmds;
}

}  // namespace

std::string wrap(std::string_view text, std::string_view first_prefix, std::string_view next_prefix,
                 size_t width) {
  std::string out;
  std::string line(first_prefix);
  bool empty_line = true;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = text.find_first_not_of(' ', pos);
    if (start == std::string_view::npos) break;
    // A word runs to the next space outside brackets, so "[--bits N]" stays on one line.
    size_t end = start;
    int depth = 0;
    for (; end < text.size() && (text[end] != ' ' || depth > 0); ++end) {
      if (text[end] == '[') ++depth;
      if (text[end] == ']' && depth > 0) --depth;
    }
    std::string_view word = text.substr(start, end - start);
    pos = end;
    if (!empty_line && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(next_prefix);
      empty_line = true;
    }
    if (!empty_line) line += ' ';
    line += word;
    empty_line = false;
  }
  out += line + "\n";
  return out;
}

const ArgSpec& global_spec() {
  static const ArgSpec spec{
      .options =
          {
              {.name = "--config",
               .metavar = "FILE",
               .help = std::string("configuration file (default ") + kDefaultConfigPath + ")",
               .alias = "-c"},
              {.name = "--dns",
               .metavar = "HOST:PORT",
               .help = "DNS server to use instead of [dns].servers",
               .repeatable = true},
              {.name = "--help", .help = "this help; COMMAND --help for one command", .alias = "-h"},
          },
      .stop_at_positional = true,
  };
  return spec;
}

void print_global_help(std::ostream& out, const std::vector<Command>& commands) {
  out << "usage: posternctl [-c FILE] [--dns HOST:PORT] COMMAND [ARGS...]\n\nGlobal options:\n";
  print_options(out, global_spec().options);
  out << "\nCommands:\n";
  auto cmds = sorted(commands);
  size_t width = 0;
  for (const auto& c : cmds) width = std::max(width, full_name(c).size());
  std::string indent(2 + width + 2, ' ');
  for (const auto& c : cmds) {
    std::string label = "  " + full_name(c);
    label.resize(indent.size(), ' ');
    out << wrap(c.summary, label, indent);
  }
  out << "\nRun posternctl COMMAND --help for a command's synopsis and options.\n"
      << "Exit status: 0 done (debug commands: whatever the verdict), 1 failure,\n"
      << "64 usage error, 70 internal error, 78 configuration error.\n"
      << "See posternctl(8).\n";
}

void print_usage(std::ostream& out, const Command& c) {
  out << wrap(c.usage, "usage: posternctl ", "         ");
  out << "Run posternctl " << full_name(c) << " --help for the options.\n";
}

void print_command_help(std::ostream& out, const Command& c) {
  out << wrap(c.usage, "usage: posternctl ", "         ");
  out << wrap(c.summary, "", "") << "\n";
  if (!c.args.options.empty()) {
    out << "Options:\n";
    print_options(out, c.args.options);
    out << "\n";
  }
  out << "Global options: -c FILE, --dns HOST:PORT (posternctl --help).\n";
}

void print_group_help(std::ostream& out, const std::vector<Command>& commands, std::string_view name) {
  bool first = true;
  const std::string prefix = std::string(name) + " ";
  for (const auto& c : sorted(commands)) {
    if (c.name != name && full_name(c).rfind(prefix, 0) != 0) continue;
    out << wrap(c.usage, first ? "usage: posternctl " : "       posternctl ", "         ");
    first = false;
  }
  out << "Run posternctl " << name << " SUBCOMMAND --help for one of them.\n";
}

}  // namespace postern::ctl
