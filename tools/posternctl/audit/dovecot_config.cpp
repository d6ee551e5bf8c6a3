// Implements DovecotConfig and load_dovecot_config. Contract in dovecot_config.h.
#include "tools/posternctl/audit/dovecot_config.h"

#include <thread>

#include "tools/posternctl/audit/run_program.h"

namespace postern::audit {

const std::vector<std::string> kDovecotAuditKeys = {
    "ssl",
    "disable_plaintext_auth",
    "ssl_min_protocol",
    "ssl_cipher_list",
    "ssl_prefer_server_ciphers",
    "login_trusted_networks",
    "protocols",
    "listen",
    "ssl_cert",
    "auth_mechanisms",
    "ssl_dh",
    "auth_allow_cleartext",
};

std::string DovecotConfig::get(std::string_view key) const {
  if (const std::string* v = effective.get(key)) return *v;
  if (const std::string* v = set.get(key)) return *v;
  return "";
}

std::vector<DovecotListener> DovecotConfig::listeners() const {
  std::vector<DovecotListener> out;
  for (const auto* svc : effective.sections("service")) {
    for (const auto& l : svc->children) {
      DovecotListener d;
      d.service = svc->name;
      d.name = l.name;
      if (l.type == "inet_listener") {
        if (const auto* p = l.get("port")) {
          int port = 0;
          for (char c : *p) {
            if (c < '0' || c > '9' || port > 65535) {
              port = 0;
              break;
            }
            port = port * 10 + (c - '0');
          }
          d.port = port <= 65535 ? port : 0;
        }
        if (const auto* a = l.get("address")) d.address = *a;
        if (const auto* s = l.get("ssl")) d.ssl = *s == "yes";
      } else if (l.type == "unix_listener") {
        d.unix_socket = true;
        d.path = l.name;
        if (const auto* v = l.get("mode")) d.mode = *v;
        if (const auto* v = l.get("user")) d.user = *v;
        if (const auto* v = l.get("group")) d.group = *v;
      } else {
        continue;
      }
      out.push_back(std::move(d));
    }
  }
  return out;
}

Result<DovecotConfig> dovecot_config_from_outputs(std::string_view set, std::string_view effective,
                                                  std::string_view warnings, std::string file) {
  DovecotConfig c;
  c.file = std::move(file);
  auto s = parse_doveconf(set);
  if (!s) return Error::perm("doveconf -n: " + s.error().message);
  c.set = std::move(*s);
  auto e = parse_doveconf(effective);
  if (!e) return Error::perm("doveconf: " + e.error().message);
  c.effective = std::move(*e);
  c.obsolete = parse_doveconf_warnings(warnings);
  return c;
}

Result<DovecotConfig> load_dovecot_config(const std::string& file) {
  auto run = [&](std::vector<std::string> extra) -> Result<ProgramOutput> {
    std::vector<std::string> argv = {"doveconf"};
    if (!file.empty()) {
      argv.push_back("-c");
      argv.push_back(file);
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = run_program(argv, Deadline::after(kDoveconfTimeout), kDoveconfMaxOutput);
    if (!r) return r.error();
    if (r->exit_code != 0) {
      std::string why;
      // The fatal line says what is wrong ("doveconf: Fatal: Error in configuration file ...").
      size_t at = r->err.find("Fatal: ");
      if (at != std::string::npos) {
        why = r->err.substr(at + 7);
        if (auto nl = why.find('\n'); nl != std::string::npos) why = why.substr(0, nl);
      }
      return Error::perm("doveconf failed: " + (why.empty() ? "exit " + std::to_string(r->exit_code) : why));
    }
    return r;
  };
  std::vector<std::string> keys = kDovecotAuditKeys;
  keys.push_back("service");
  Result<ProgramOutput> e = Error::perm("not run");
  std::thread effective([&] { e = run(keys); });  // independent of the -n run
  auto n = run({"-n"});
  effective.join();
  if (!n) return n.error();
  if (!e) return e.error();
  return dovecot_config_from_outputs(n->out, e->out, n->err,
                                     file.empty() ? "/etc/dovecot/dovecot.conf" : file);
}

}  // namespace postern::audit
