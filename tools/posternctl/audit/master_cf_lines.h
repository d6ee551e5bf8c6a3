// master_cf_entry_lines: where each entry of master.cf starts, so a finding about a service can
// say "master.cf:17 submission". Only line numbers and the first two words (service name and
// type) are taken from the file; every setting comes from postconf -M / -P (postfix_config.h).
// Postfix's rule: an entry starts on a line whose first character is not blank and not '#';
// blank-led lines continue it; empty and comment lines are skipped. Pure; input is a file the
// admin wrote (untrusted). Limits: kMaxMasterCfBytes of text, kMaxMasterCfEntries entries.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/result.h"

namespace postern::audit {

inline constexpr size_t kMaxMasterCfBytes = 1024 * 1024;
inline constexpr size_t kMaxMasterCfEntries = 2000;

struct MasterCfLine {
  size_t line = 0;   // 1-based
  std::string name;  // first word
  std::string type;  // second word ("" when the line has one word)
};

Result<std::vector<MasterCfLine>> master_cf_entry_lines(std::string_view text);

}  // namespace postern::audit
