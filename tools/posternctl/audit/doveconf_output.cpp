// Implements parse_doveconf and parse_doveconf_warnings. Contract in doveconf_output.h.
#include "tools/posternctl/audit/doveconf_output.h"

#include "common/core/lines.h"

namespace postern::audit {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '/' || c == '.';
}

}  // namespace

const std::string* DoveconfSection::get(std::string_view key) const {
  for (const auto& s : settings)
    if (s.key == key) return &s.value;
  return nullptr;
}

std::vector<const DoveconfSection*> DoveconfSection::sections(std::string_view type,
                                                              std::string_view name) const {
  std::vector<const DoveconfSection*> out;
  for (const auto& c : children)
    if (c.type == type && (name.empty() || c.name == name)) out.push_back(&c);
  return out;
}

Result<DoveconfSection> parse_doveconf(std::string_view text) {
  if (text.size() > kMaxDoveconfBytes) return Error::perm("doveconf output larger than kMaxDoveconfBytes");
  DoveconfSection root;
  std::vector<DoveconfSection*> stack = {&root};
  size_t entries = 0;
  Error err;
  bool failed = false;
  for_each_line(text, [&](size_t no, std::string_view raw) {
    auto fail = [&](std::string_view what) {
      err = Error::perm("doveconf output line " + std::to_string(no) + ": " + std::string(what));
      failed = true;
      return false;
    };
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') return true;
    if (++entries > kMaxDoveconfEntries) return fail("more than kMaxDoveconfEntries entries");
    if (line == "}") {
      if (stack.size() == 1) return fail("unbalanced '}'");
      stack.pop_back();
      return true;
    }
    size_t eq = line.find('=');
    size_t k = 0;
    while (k < line.size() && key_char(line[k])) ++k;
    if (k == 0) return fail("neither a setting nor a section");
    std::string_view key = line.substr(0, k);
    std::string_view after = trim(line.substr(k));
    if (!after.empty() && after.front() == '=') {
      (void)eq;
      stack.back()->settings.push_back({std::string(key), std::string(trim(after.substr(1))), no});
      return true;
    }
    if (!after.empty() && after.back() == '{') {
      if (stack.size() > kMaxDoveconfDepth) return fail("sections nested deeper than kMaxDoveconfDepth");
      DoveconfSection s;
      s.type = std::string(key);
      s.name = std::string(trim(after.substr(0, after.size() - 1)));
      stack.back()->children.push_back(std::move(s));
      stack.push_back(&stack.back()->children.back());
      return true;
    }
    return fail("neither a setting nor a section");
  });
  if (failed) return err;
  if (stack.size() != 1) return Error::perm("doveconf output: section not closed");
  return root;
}

std::vector<DoveconfObsolete> parse_doveconf_warnings(std::string_view text) {
  std::vector<DoveconfObsolete> out;
  static constexpr std::string_view kMark = "Obsolete setting in ";
  for_each_line(text, [&](size_t, std::string_view line) {
    if (out.size() >= kMaxDoveconfEntries) return false;
    size_t at = line.find(kMark);
    if (at == std::string_view::npos) return true;
    std::string_view rest = line.substr(at + kMark.size());
    size_t colon_sp = rest.find(": ");
    if (colon_sp == std::string_view::npos) return true;
    std::string_view loc = rest.substr(0, colon_sp);
    std::string_view msg = rest.substr(colon_sp + 2);
    DoveconfObsolete o;
    size_t lc = loc.rfind(':');
    o.file = std::string(loc.substr(0, lc));
    if (lc != std::string_view::npos) {
      size_t n = 0;
      for (char c : loc.substr(lc + 1)) {
        if (c < '0' || c > '9' || n > 100000000) {
          n = 0;
          break;
        }
        n = n * 10 + static_cast<size_t>(c - '0');
      }
      o.line = n;
    }
    size_t sp = msg.find(' ');
    o.setting = std::string(msg.substr(0, sp));
    static constexpr std::string_view kBy = " has been replaced by ";
    if (size_t by = msg.find(kBy); by != std::string_view::npos)
      o.replacement = std::string(trim(msg.substr(by + kBy.size())));
    if (!o.setting.empty()) out.push_back(std::move(o));
    return true;
  });
  return out;
}

}  // namespace postern::audit
