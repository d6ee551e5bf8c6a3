// DovecotConfig: Dovecot's configuration as doveconf(1) reports it, never read by hand:
// `doveconf -c FILE -n` (what the admin set, as a tree; see doveconf_output.h) and
// `doveconf -c FILE KEY... service` (the effective values of the settings the audit checks and
// every service block with its defaults, so listeners the admin did not write, such as imaps on
// 993, are seen too). doveconf's warnings give the obsolete settings. Limits: those of the parser;
// each doveconf run has kDoveconfTimeout and kDoveconfMaxOutput.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/core/result.h"
#include "tools/posternctl/audit/doveconf_output.h"

namespace postern::audit {

inline constexpr std::chrono::milliseconds kDoveconfTimeout{5000};
inline constexpr size_t kDoveconfMaxOutput = 4 * 1024 * 1024;

// The top-level settings the audit reads through `doveconf KEY...`.
extern const std::vector<std::string> kDovecotAuditKeys;

struct DovecotListener {
  std::string service;  // "imap-login"
  std::string name;     // "imaps"
  std::string address;  // "" or "*" for every address
  int port = 0;
  bool ssl = false;  // implicit TLS
  bool unix_socket = false;
  std::string path;  // unix_listener path
  std::string mode, user, group;
};

struct DovecotConfig {
  std::string file;
  DoveconfSection set;        // doveconf -n
  DoveconfSection effective;  // the audit keys and every service block, defaults included
  std::vector<DoveconfObsolete> obsolete;

  // An effective top-level setting ("" when unset).
  std::string get(std::string_view key) const;
  // Every inet_listener and unix_listener of every service, effective values.
  std::vector<DovecotListener> listeners() const;
};

// Builds from doveconf's outputs (pure; tests and fuzzing use it directly).
Result<DovecotConfig> dovecot_config_from_outputs(std::string_view set, std::string_view effective,
                                                  std::string_view warnings, std::string file);

// Runs doveconf on file ("" for the system's). Errors say why: doveconf missing, a config it
// refuses (its fatal message), output that does not parse.
Result<DovecotConfig> load_dovecot_config(const std::string& file);

}  // namespace postern::audit
