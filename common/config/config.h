// Config: the whole of postern.conf (TOML), parsed strictly. One section per component plus the
// shared [log], [dns] and [store]; each section's struct and reader live in <area>_config.h files
// owned by that area. Limits: the file is at most kMaxConfigBytes; nesting follows the schema.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/config/auth_config.h"
#include "common/config/dkim_config.h"
#include "common/config/dmarc_config.h"
#include "common/config/dns_config.h"
#include "common/config/guard_config.h"
#include "common/config/log_config.h"
#include "common/config/milter_config.h"
#include "common/config/policyd_config.h"
#include "common/config/reader.h"
#include "common/config/sender_config.h"
#include "common/config/spf_config.h"
#include "common/config/store_config.h"
#include "common/core/result.h"

namespace postern {

inline constexpr const char* kDefaultConfigPath = "/etc/postern/postern.conf";
inline constexpr size_t kMaxConfigBytes = 1024 * 1024;
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

// Parses text as the contents of file `name`. Never throws.
ConfigLoad parse_config(std::string_view text, const std::string& name);
// Reads and parses a file; a missing or unreadable file is an error naming it.
ConfigLoad load_config(const std::string& path);

}  // namespace postern
