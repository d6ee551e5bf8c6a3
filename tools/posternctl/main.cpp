// posternctl: the admin CLI. Parses the global options, then dispatches to a registered command
// (command.h). Exit codes: 0 done (debug commands exit 0 whatever the verdict), 1 failure,
// 64 usage error, 78 config error.
#include <algorithm>
#include <iostream>
#include <map>

#include "tools/posternctl/command.h"

namespace postern::ctl {

std::vector<Command>& command_registry() {
  static std::vector<Command> registry;
  return registry;
}

const Config* Context::config() {
  if (!loaded_) {
    loaded_ = true;
    load_ = load_config(global.config_path);
    if (load_.ok() && !global.dns.empty()) {
      // --dns overrides [dns].servers; validate it like the config would.
      std::string text = "[dns]\nservers = [";
      for (size_t i = 0; i < global.dns.size(); ++i) text += (i ? ", \"" : "\"") + global.dns[i] + "\"";
      auto check = parse_config(text + "]\n", "--dns");
      if (!check.ok()) {
        load_.errors = check.errors;
      } else {
        load_.config.dns.servers = global.dns;
      }
    }
  }
  if (!load_.ok()) {
    for (const auto& e : load_.errors) std::cerr << e.str() << "\n";
    return nullptr;
  }
  return &load_.config;
}

namespace {

void usage(std::ostream& out) {
  out << "usage: posternctl [-c FILE] [--dns HOST:PORT] COMMAND [ARGS...]\n\n"
      << "Global options:\n"
      << "  -c FILE          configuration file (default " << kDefaultConfigPath << ")\n"
      << "  --dns HOST:PORT  DNS server to use instead of [dns].servers (repeatable)\n"
      << "  -h, --help       this help; COMMAND --help for one command\n\n"
      << "Commands:\n";
  auto cmds = command_registry();
  std::sort(cmds.begin(), cmds.end(), [](const Command& a, const Command& b) { return a.usage < b.usage; });
  size_t width = 0;
  for (const auto& c : cmds) width = std::max(width, c.usage.size());
  for (const auto& c : cmds) {
    out << "  " << c.usage << std::string(width - c.usage.size() + 2, ' ') << c.summary << "\n";
  }
  out << "\nSee posternctl(8) and docs/posternctl.md.\n";
}

}  // namespace
}  // namespace postern::ctl

int main(int argc, char** argv) {
  using namespace postern::ctl;
  Context ctx;
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (words.empty() && (a == "-c" || a == "--config") && i + 1 < argc) {
      ctx.global.config_path = argv[++i];
      ctx.global.config_given = true;
    } else if (words.empty() && a == "--dns" && i + 1 < argc) {
      ctx.global.dns.push_back(argv[++i]);
    } else if (words.empty() && (a == "-h" || a == "--help")) {
      usage(std::cout);
      return 0;
    } else if (words.empty() && !a.empty() && a[0] == '-') {
      std::cerr << "posternctl: unknown option " << a << "\n\n";
      usage(std::cerr);
      return kExitUsage;
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) {
    usage(std::cerr);
    return kExitUsage;
  }
  // Options may also follow the command words ("config check -c FILE").
  const auto& registry = command_registry();
  const Command* found = nullptr;
  size_t consumed = 0;
  for (const auto& c : registry) {
    if (c.name != words[0]) continue;
    if (c.subcommand.empty()) {
      if (!found) {
        found = &c;
        consumed = 1;
      }
    } else if (words.size() > 1 && words[1] == c.subcommand) {
      found = &c;
      consumed = 2;
      break;
    }
  }
  if (!found) {
    bool known =
        std::any_of(registry.begin(), registry.end(), [&](const Command& c) { return c.name == words[0]; });
    std::cerr << "posternctl: " << (known ? "unknown or missing subcommand for " : "unknown command ")
              << words[0] << "\n";
    for (const auto& c : registry) {
      if (c.name == words[0]) std::cerr << "  posternctl " << c.usage << "\n";
    }
    if (!known) std::cerr << "run posternctl --help for the list of commands\n";
    return kExitUsage;
  }
  for (size_t i = consumed; i < words.size(); ++i) {
    const std::string& a = words[i];
    if ((a == "-c" || a == "--config") && i + 1 < words.size()) {
      ctx.global.config_path = words[++i];
      ctx.global.config_given = true;
    } else if (a == "--dns" && i + 1 < words.size()) {
      ctx.global.dns.push_back(words[++i]);
    } else if (a == "-h" || a == "--help") {
      std::cout << "usage: posternctl " << found->usage << "\n" << found->summary << "\n";
      return 0;
    } else {
      ctx.args.push_back(a);
    }
  }
  return found->run(ctx);
}
