// Config: the whole of postern.conf (TOML), parsed strictly. One section per component plus the
// shared [log], [dns] and [store]. Each core area owns its section's struct and reader in
// common/<area>/<area>_config.h; only the front-ends' own settings ([milter], [policyd]) live here
// beside the aggregate. parse_config reads the top-level sections from one table, kConfigSections.
// Limits: the file is at most kMaxConfigBytes (reader.h); nesting follows the schema.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/auth/auth_config.h"
#include "common/config/milter_config.h"
#include "common/config/policyd_config.h"
#include "common/config/reader.h"
#include "common/core/result.h"
#include "common/dkim/dkim_config.h"
#include "common/dmarc/dmarc_config.h"
#include "common/dns/dns_config.h"
#include "common/guard/guard_config.h"
#include "common/log/log_config.h"
#include "common/sender/sender_config.h"
#include "common/spf/spf_config.h"
#include "common/store/store_config.h"

namespace postern {

inline constexpr const char* kDefaultConfigPath = "/etc/postern/postern.conf";
inline constexpr int kExitConfig = 78;  // EX_CONFIG from sysexits.h

struct Config {
  std::string path;
  LogConfig log;
  DnsConfig dns;
  StoreConfig store;
  MilterConfig milter;
  SenderConfig sender;
  PolicydConfig policyd;
  AuthConfig auth;
  AccountGuardConfig account_guard;
  SpfConfig spf;
  DmarcConfig dmarc;
  DkimConfig dkim;
};

struct ConfigLoad {
  Config config;
  std::vector<ConfigError> errors;  // empty when the file is valid
  std::string effective;            // the effective configuration rendered as TOML
  bool ok() const { return errors.empty(); }
};

// One top-level section: its name in the file and how it is read into a Config (the area's reader
// applied to the member). parse_config reads them in this order; any other top-level key is an
// error. The table is kConfigSections in config.cpp.
struct ConfigSection {
  std::string_view name;
  void (*read)(SectionReader& r, Config& c);
};
std::span<const ConfigSection> config_sections();

// Parses text as the contents of file `name`. Never throws.
ConfigLoad parse_config(std::string_view text, const std::string& name);
// Reads and parses a file; a missing or unreadable file is an error naming it.
ConfigLoad load_config(const std::string& path);

}  // namespace postern
