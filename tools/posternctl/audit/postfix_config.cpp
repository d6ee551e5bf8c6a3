// Implements PostfixConfig and load_postfix_config. Contract in postfix_config.h.
#include "tools/posternctl/audit/postfix_config.h"

#include <netdb.h>

#include <thread>

#include "common/core/file_read.h"
#include "tools/posternctl/audit/master_cf_lines.h"
#include "tools/posternctl/audit/postconf_expand.h"
#include "tools/posternctl/audit/postconf_lines.h"
#include "tools/posternctl/audit/run_program.h"

namespace postern::audit {
namespace {

int port_of(const std::string& s) {
  if (s.empty()) return 0;
  bool digits = s.size() <= 5;
  for (char c : s) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    int p = std::stoi(s);
    return p > 0 && p < 65536 ? p : 0;
  }
  if (s == "smtp") return 25;
  if (s == "submission") return 587;
  if (s == "smtps" || s == "submissions") return 465;
  servent* se = getservbyname(s.c_str(), "tcp");  // reads /etc/services; fine in a CLI
  return se ? ntohs(static_cast<uint16_t>(se->s_port)) : 0;
}

}  // namespace

int PostfixService::port() const {
  size_t colon = name.rfind(':');
  return port_of(colon == std::string::npos ? name : name.substr(colon + 1));
}

std::string PostfixService::host() const {
  size_t colon = name.rfind(':');
  if (colon == std::string::npos) return "";
  std::string h = name.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  return h;
}

std::string PostfixService::where() const {
  return line ? "master.cf:" + std::to_string(line) + " " + name : "master.cf " + name;
}

std::string PostfixConfig::raw(const PostfixService* s, std::string_view name) const {
  if (s) {
    auto o = s->overrides.find(std::string(name));
    if (o != s->overrides.end()) return o->second;
  }
  auto it = all_.find(std::string(name));
  return it == all_.end() ? "" : it->second;
}

std::string PostfixConfig::get(std::string_view name) const {
  auto it = expanded_.find(std::string(name));
  if (it != expanded_.end()) return it->second;
  return raw(nullptr, name);
}

std::string PostfixConfig::get(const PostfixService& s, std::string_view name) const {
  if (s.overrides.empty()) return get(name);
  auto lookup = [this, &s](std::string_view n) -> const std::string* {
    auto o = s.overrides.find(std::string(n));
    if (o != s.overrides.end()) return &o->second;
    auto e = expanded_.find(std::string(n));
    if (e != expanded_.end()) return &e->second;
    auto it = all_.find(std::string(n));
    return it == all_.end() ? nullptr : &it->second;
  };
  std::string v = raw(&s, name);
  if (!overridden(s, name)) {
    // A main.cf value is the service's own only when it names one of its overrides.
    bool names_override = false;
    for (const auto& [k, ov] : s.overrides)
      if (v.find("$" + k) != std::string::npos || v.find("{" + k) != std::string::npos ||
          v.find("(" + k) != std::string::npos)
        names_override = true;
    if (!names_override) return get(name);
  }
  auto r = expand_postfix_value(v, lookup);
  return r ? *r : v;
}

const PostfixService* PostfixConfig::find_service(std::string_view name, std::string_view type) const {
  for (const auto& s : services)
    if (s.name == name && s.type == type) return &s;
  return nullptr;
}

Result<PostfixConfig> PostfixConfig::from_outputs(std::string_view all, std::string_view expanded,
                                                  std::string_view explicit_params, std::string_view services,
                                                  std::string_view overrides, std::string_view master_cf,
                                                  std::string config_dir) {
  PostfixConfig c;
  c.config_dir = std::move(config_dir);
  auto a = parse_postconf_params(all);
  if (!a) return Error::perm("postconf: " + a.error().message);
  for (auto& p : *a) c.all_[p.name] = std::move(p.value);
  auto x = parse_postconf_params(expanded);
  if (!x) return Error::perm("postconf -x: " + x.error().message);
  for (auto& p : *x) c.expanded_[p.name] = std::move(p.value);
  auto n = parse_postconf_params(explicit_params);
  if (!n) return Error::perm("postconf -n: " + n.error().message);
  for (auto& p : *n) {
    c.explicit_.insert(p.name);
    c.all_.emplace(p.name, p.value);  // a user-defined parameter (e.g. mua_client_restrictions)
  }
  auto m = parse_postconf_services(services);
  if (!m) return Error::perm("postconf -M: " + m.error().message);
  auto lines = master_cf_entry_lines(master_cf);
  for (size_t i = 0; i < m->size(); ++i) {
    auto& e = (*m)[i];
    PostfixService s{e.name, e.type, e.command, 0, {}};
    // postconf -M lists the entries in file order; take the line when the words agree.
    if (lines && i < lines->size() && (*lines)[i].name == e.name && (*lines)[i].type == e.type)
      s.line = (*lines)[i].line;
    c.services.push_back(std::move(s));
  }
  auto p = parse_postconf_params(overrides);
  if (!p) return Error::perm("postconf -P: " + p.error().message);
  for (auto& o : *p) {
    auto sp = split_service_param(o.name);
    if (!sp) return Error::perm("postconf -P: \"" + o.name.substr(0, 80) + "\": " + sp.error().message);
    for (auto& s : c.services)
      if (s.name == sp->service && s.type == sp->type) s.overrides[sp->param] = o.value;
  }
  auto v = c.all_.find("mail_version");
  if (v != c.all_.end()) c.version = v->second;
  return c;
}

Result<PostfixConfig> load_postfix_config(const std::string& config_dir) {
  auto run = [&](std::vector<std::string> extra) -> Result<std::string> {
    std::vector<std::string> argv = {"postconf"};
    if (!config_dir.empty()) {
      argv.push_back("-c");
      argv.push_back(config_dir);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run_program(argv, Deadline::after(kPostconfTimeout), kPostconfMaxOutput);
    if (!r) return r.error();
    if (r->exit_code != 0) {
      std::string why = r->err;
      while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
      if (auto nl = why.find('\n'); nl != std::string::npos) why = why.substr(0, nl);
      return Error::perm("postconf failed: " + (why.empty() ? "exit " + std::to_string(r->exit_code) : why));
    }
    return std::move(r->out);
  };
  // The runs are independent; in parallel the audit waits for the slowest only.
  const std::vector<std::vector<std::string>> runs = {{}, {"-x"}, {"-n"}, {"-M"}, {"-P"}};
  std::vector<Result<std::string>> outs(runs.size(), Result<std::string>(Error::perm("not run")));
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < runs.size(); ++i) threads.emplace_back([&, i] { outs[i] = run(runs[i]); });
    for (auto& t : threads) t.join();
  }
  for (const auto& o : outs)
    if (!o) return o.error();
  std::string dir = config_dir;
  if (dir.empty()) {
    auto d = run({"-h", "config_directory"});
    if (!d) return d.error();
    dir = *d;
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
  }
  auto master = read_regular_file(dir + "/master.cf", kMaxMasterCfBytes);
  return PostfixConfig::from_outputs(*outs[0], *outs[1], *outs[2], *outs[3], *outs[4], master ? *master : "",
                                     dir);
}

}  // namespace postern::audit
