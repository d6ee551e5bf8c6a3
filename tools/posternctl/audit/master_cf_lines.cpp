// Implements master_cf_entry_lines. Contract in master_cf_lines.h.
#include "tools/posternctl/audit/master_cf_lines.h"

#include "common/core/lines.h"

namespace postern::audit {

Result<std::vector<MasterCfLine>> master_cf_entry_lines(std::string_view text) {
  if (text.size() > kMaxMasterCfBytes) return Error::perm("master.cf larger than kMaxMasterCfBytes");
  std::vector<MasterCfLine> out;
  bool too_many = false;
  for_each_line(text, [&](size_t no, std::string_view line) {
    if (line.empty() || line[0] == ' ' || line[0] == '\t' || line[0] == '#') return true;
    if (out.size() >= kMaxMasterCfEntries) {
      too_many = true;
      return false;
    }
    auto word = [&](size_t& i) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      size_t s = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      return std::string(line.substr(s, i - s));
    };
    size_t i = 0;
    MasterCfLine e;
    e.line = no;
    e.name = word(i);
    e.type = word(i);
    out.push_back(std::move(e));
    return true;
  });
  if (too_many) return Error::perm("master.cf has more than kMaxMasterCfEntries entries");
  return out;
}

}  // namespace postern::audit
