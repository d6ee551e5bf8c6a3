// parse_doveconf: what `doveconf -c FILE -n` (and `doveconf -c FILE KEY...`) prints, as a tree of
// sections: top-level "key = value" settings, and blocks "type [name] { ... }" (service auth,
// unix_listener /path, passdb, protocol imap, local 1.2.3.4, ...) nested in each other. Comment
// lines ("# 2.3.19.1 ...") are skipped. parse_doveconf_warnings: doveconf's standard error, the
// "Obsolete setting in FILE:LINE: OLD has been replaced by NEW" (or "... is no longer used")
// warnings, so the audit can name each obsolete setting with its replacement. Pure functions;
// the text is the admin's config (untrusted): limits kMaxDoveconfBytes of text, kMaxDoveconfDepth
// nesting, kMaxDoveconfEntries settings and sections in all; an unbalanced '}' or a line that is
// neither a setting nor a section is an error naming its line.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::audit {

inline constexpr size_t kMaxDoveconfBytes = 4 * 1024 * 1024;
inline constexpr size_t kMaxDoveconfDepth = 16;
inline constexpr size_t kMaxDoveconfEntries = 50000;

struct DoveconfSetting {
  std::string key, value;
  size_t line = 0;  // in doveconf's output
};

struct DoveconfSection {
  std::string type;  // "" for the top level
  std::string name;  // "auth", "/var/spool/postfix/private/auth", "" when the block has none
  std::vector<DoveconfSetting> settings;
  std::vector<DoveconfSection> children;

  // The value of a setting of this section; nullptr when absent.
  const std::string* get(std::string_view key) const;
  // Children of a type (and name, when not empty).
  std::vector<const DoveconfSection*> sections(std::string_view type, std::string_view name = "") const;
};

Result<DoveconfSection> parse_doveconf(std::string_view text);

struct DoveconfObsolete {
  std::string file;
  size_t line = 0;
  std::string setting;
  std::string replacement;  // "" when Dovecot says it is no longer used
};
std::vector<DoveconfObsolete> parse_doveconf_warnings(std::string_view stderr_text);

}  // namespace postern::audit
