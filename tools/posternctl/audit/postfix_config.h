// PostfixConfig: Postfix's configuration as each of its services sees it, read only through
// postconf(1), never by parsing main.cf: `postconf -c DIR` (every parameter, defaults included,
// unexpanded), `postconf -c DIR -x` (the same, expanded by Postfix itself, conditional
// expressions included), `postconf -c DIR -n` (which ones main.cf sets), `postconf -c DIR -M` (master.cf
// entries) and `postconf -c DIR -P` (their -o overrides). A service's value of a parameter is its
// -o override if it has one, else main.cf's (or the default). An override is $name-expanded here
// (postconf_expand.h) against the service's view: its other overrides, else Postfix's expanded
// main.cf values; a main.cf value that names an overridden parameter is expanded the same way,
// as Postfix does in the service's process; any other main.cf value is taken as postconf -x
// expanded it. master.cf itself is read only to
// give each entry its line number for messages ("master.cf:17 submission").
//
// Reusable outside posternctl audit (DANE / MTA-STS checks read myhostname, smtp_tls_* and the
// listeners from here). Trusts postconf's output no more than a file (see postconf_lines.h).
// Limits: those of the parsers; each postconf run has kPostconfTimeout and kPostconfMaxOutput.
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/deadline.h"
#include "common/core/result.h"

namespace postern::audit {

inline constexpr std::chrono::milliseconds kPostconfTimeout{5000};
inline constexpr size_t kPostconfMaxOutput = 4 * 1024 * 1024;

struct PostfixService {
  std::string name;     // master.cf service field: "smtp", "submission", "127.0.0.1:2525"
  std::string type;     // "inet", "unix", ...
  std::string command;  // "smtpd"
  size_t line = 0;      // master.cf line where the entry starts; 0 when unknown
  std::map<std::string, std::string> overrides;  // -o name=value, unexpanded

  bool inet() const { return type == "inet"; }
  bool smtpd() const { return command == "smtpd"; }
  // The TCP port of an inet service ("smtp" 25, "submission" 587, "smtps"/"submissions" 465,
  // "host:port" its port, other names through getservbyname); 0 when unknown.
  int port() const;
  // The host part of "host:port" (brackets removed), or "" for a service on every interface.
  std::string host() const;
  // "master.cf:17 submission" (or "master.cf submission" when the line is unknown).
  std::string where() const;
};

class PostfixConfig {
 public:
  std::string config_dir;
  std::string version;  // mail_version
  std::vector<PostfixService> services;

  // The main.cf value (or default) of a parameter, expanded; "" when Postfix has no such parameter.
  std::string get(std::string_view name) const;
  // The value as a service sees it: its -o override, else main.cf's; expanded in its view.
  std::string get(const PostfixService& s, std::string_view name) const;
  // The unexpanded text (the service's override or main.cf's).
  std::string raw(const PostfixService* s, std::string_view name) const;
  bool known(std::string_view name) const {
    return all_.count(std::string(name)) > 0;
  }  // this version has it
  bool set_in_main(std::string_view name) const { return explicit_.count(std::string(name)) > 0; }
  bool overridden(const PostfixService& s, std::string_view name) const {
    return s.overrides.count(std::string(name)) > 0;
  }
  // Every parameter as main.cf (or the default) has it, unexpanded.
  const std::map<std::string, std::string>& params() const { return all_; }
  const PostfixService* find_service(std::string_view name, std::string_view type) const;

  // Builds from postconf's outputs (pure; tests and fuzzing use it directly).
  static Result<PostfixConfig> from_outputs(std::string_view all, std::string_view expanded,
                                            std::string_view explicit_params, std::string_view services,
                                            std::string_view overrides, std::string_view master_cf,
                                            std::string config_dir);

 private:
  std::map<std::string, std::string> all_;
  std::map<std::string, std::string> expanded_;
  std::set<std::string> explicit_;
};

// Runs postconf for config_dir ("" for the system's: postconf's own default). Errors say why:
// postconf missing, a config directory postconf refuses (its message), output that does not parse.
Result<PostfixConfig> load_postfix_config(const std::string& config_dir);

}  // namespace postern::audit
