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
  const Command* found = nullptr;
  for (const auto& c : registry) {
    if (c.name != name) continue;
    if (c.subcommand.empty() || (at + 1 < words.size() && words[at + 1] == c.subcommand)) {
      found = &c;
      break;
    }
  }
  if (!found) {
    bool help = at + 1 < words.size() && (words[at + 1] == "--help" || words[at + 1] == "-h");
    if (help) {
      print_group_help(std::cout, registry, name);
      return 0;
    }
    std::cerr << "posternctl: "
              << (at + 1 < words.size() ? "unknown subcommand for " : "missing subcommand for ") << name
              << "\n";
    print_group_help(std::cerr, registry, name);
    return kExitUsage;
  }
  at += found->subcommand.empty() ? 1 : 2;
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
