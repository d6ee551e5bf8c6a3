// posternctl: the admin CLI. Parses the global options, finds the command in the registry
// (command.h), parses its arguments with the one option parser (options.h) and runs it. Exit
// codes: 0 done (debug commands exit 0 whatever the verdict), 1 failure, 64 usage error (with the
// synopsis on stderr, before the command does anything), 70 an exception reached main (a bug:
// commands report errors by value), 78 config error.
#include <algorithm>
#include <exception>
#include <iostream>
#include <new>

#include "common/dns/server_spec.h"
#include "tools/posternctl/command.h"
#include "tools/posternctl/help.h"

namespace postern::ctl {

std::vector<Command>& command_registry() {
  static std::vector<Command> registry;
  return registry;
}

const Config* Context::config() {
  if (!loaded_) {
    loaded_ = true;
    load_ = load_config(global.config_path);
    // --dns overrides [dns].servers; main checked each with the config's own parser.
    if (load_.ok() && !global.dns.empty()) load_.config.dns.servers = global.dns;
  }
  if (!load_.ok()) {
    for (const auto& e : load_.errors) std::cerr << e.str() << "\n";
    return nullptr;
  }
  return &load_.config;
}

int Context::usage_error(std::string_view message) const {
  std::cerr << "posternctl: " << message << "\n";
  if (command) print_usage(std::cerr, *command);
  return kExitUsage;
}

namespace {

std::vector<std::string> split_words(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t end = s.find(' ', pos);
    if (end == std::string::npos) end = s.size();
    if (end > pos) out.push_back(s.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

// Moves the global options out of parsed into g. An error names a bad --dns server.
Result<void> take_globals(ParsedArgs& parsed, GlobalOptions& g) {
  if (parsed.has("--config")) {
    g.config_path = parsed.value("--config");
    g.config_given = true;
  }
  for (const auto& d : parsed.values("--dns")) {
    if (auto s = parse_server_spec(d); !s) return Error::perm("--dns: " + s.error().message);
    g.dns.push_back(d);
  }
  parsed.options.erase("--config");
  parsed.options.erase("--dns");
  return ok();
}

int run(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  const auto& registry = command_registry();
  Context ctx;
  auto globals = parse_args(words, global_spec());
  if (!globals) {
    std::cerr << "posternctl: " << globals.error().message << "\n"
              << "usage: posternctl [-c FILE] [--dns HOST:PORT] COMMAND [ARGS...]\n"
              << "Run posternctl --help for the list of commands.\n";
    return kExitUsage;
  }
  if (globals->has("--help")) {
    print_global_help(std::cout, registry);
    return 0;
  }
  if (auto g = take_globals(*globals, ctx.global); !g) {
    std::cerr << "posternctl: " << g.error().message << "\n"
              << "usage: posternctl [-c FILE] [--dns HOST:PORT] COMMAND [ARGS...]\n";
    return kExitUsage;
  }
  size_t at = globals->consumed;
  if (at >= words.size()) {
    print_global_help(std::cerr, registry);
    return kExitUsage;
  }
  const std::string& name = words[at];
  bool known =
      std::any_of(registry.begin(), registry.end(), [&](const Command& c) { return c.name == name; });
  if (!known) {
    std::cerr << "posternctl: unknown command \"" << name.substr(0, 64) << "\"\n"
              << "Run posternctl --help for the list of commands.\n";
    return kExitUsage;
  }
  // A subcommand may be several words ("report build"): the command whose words all follow.
  const Command* found = nullptr;
  size_t sub_words = 0;
  for (const auto& c : registry) {
    if (c.name != name) continue;
    auto parts = split_words(c.subcommand);
    bool match = at + parts.size() < words.size();
    for (size_t i = 0; match && i < parts.size(); ++i) match = words[at + 1 + i] == parts[i];
    if (match) {
      found = &c;
      sub_words = parts.size();
      break;
    }
  }
  if (!found) {
    // The longest run of words that starts some command's name: the group to show ("dmarc report").
    std::string group = name;
    for (size_t i = at + 1; i < words.size(); ++i) {
      std::string longer = group + " " + words[i];
      bool starts = std::any_of(registry.begin(), registry.end(), [&](const Command& c) {
        std::string full = c.name + " " + c.subcommand;
        return full.rfind(longer + " ", 0) == 0;
      });
      if (!starts) break;
      group = longer;
    }
    size_t next = at + 1 + (split_words(group).size() - 1);
    bool help = next < words.size() && (words[next] == "--help" || words[next] == "-h");
    if (help) {
      print_group_help(std::cout, registry, group);
      return 0;
    }
    std::cerr << "posternctl: "
              << (next < words.size() ? "unknown subcommand for " : "missing subcommand for ") << group
              << "\n";
    print_group_help(std::cerr, registry, group);
    return kExitUsage;
  }
  at += 1 + sub_words;
  ctx.command = found;
  // The command's own options and the global ones, which may also follow the command.
  ArgSpec spec = found->args;
  spec.stop_at_positional = false;
  spec.min_positional = 0;  // checked below, after --help
  for (const auto& g : global_spec().options) spec.options.push_back(g);
  auto parsed = parse_args(std::span<const std::string>(words).subspan(at), spec);
  if (!parsed) return ctx.usage_error(parsed.error().message);
  if (parsed->has("--help")) {
    print_command_help(std::cout, *found);
    return 0;
  }
  if (auto g = take_globals(*parsed, ctx.global); !g) return ctx.usage_error(g.error().message);
  if (parsed->positional.size() < found->args.min_positional) return ctx.usage_error("missing argument");
  ctx.args = parsed->positional;
  ctx.opts = std::move(*parsed);
  return found->run(ctx);
}

}  // namespace
}  // namespace postern::ctl

int main(int argc, char** argv) {
  // Commands report every expected failure by value; an exception here is a bug, but the admin
  // still gets a message and EX_SOFTWARE rather than an abort.
  try {
    return postern::ctl::run(argc, argv);
  } catch (const std::bad_alloc&) {
    std::cerr << "posternctl: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "posternctl: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "posternctl: internal error\n";
  }
  return postern::ctl::kExitSoftware;
}
