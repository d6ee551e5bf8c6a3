// Implements the postconf output parsers. Contract in postconf_lines.h.
#include "tools/posternctl/audit/postconf_lines.h"

#include "common/core/lines.h"

namespace postern::audit {
namespace {

bool blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// A parameter name: letters, digits, '_' and, for -P names, '/', ':', '.', '-', '[', ']'.
bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '/' ||
         c == ':' || c == '.' || c == '-' || c == '[' || c == ']';
}

Error line_error(size_t line_no, std::string_view what) {
  return Error::perm("postconf output line " + std::to_string(line_no) + ": " + std::string(what));
}

}  // namespace

Result<std::vector<PostconfParam>> parse_postconf_params(std::string_view text) {
  if (text.size() > kMaxPostconfBytes) return Error::perm("postconf output larger than kMaxPostconfBytes");
  std::vector<PostconfParam> out;
  Error err;
  bool failed = false;
  for_each_line(text, [&](size_t no, std::string_view line) {
    if (no > kMaxPostconfLines) {
      err = line_error(no, "too many lines");
      failed = true;
      return false;
    }
    if (trim(line).empty()) return true;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      err = line_error(no, "no '='");
      failed = true;
      return false;
    }
    std::string_view name = trim(line.substr(0, eq));
    if (name.empty() || name.size() > kMaxPostconfNameBytes) {
      err = line_error(no, "bad parameter name");
      failed = true;
      return false;
    }
    for (char c : name) {
      if (!name_char(c)) {
        err = line_error(no, "bad character in parameter name");
        failed = true;
        return false;
      }
    }
    out.push_back({std::string(name), std::string(trim(line.substr(eq + 1)))});
    return true;
  });
  if (failed) return err;
  return out;
}

Result<ServiceParamName> split_service_param(std::string_view name) {
  size_t last = name.rfind('/');
  if (last == std::string_view::npos || last == 0) return Error::perm("not service/type/parameter");
  size_t mid = name.rfind('/', last - 1);
  if (mid == std::string_view::npos || mid == 0) return Error::perm("not service/type/parameter");
  ServiceParamName p{std::string(name.substr(0, mid)), std::string(name.substr(mid + 1, last - mid - 1)),
                     std::string(name.substr(last + 1))};
  if (p.type.empty() || p.param.empty()) return Error::perm("not service/type/parameter");
  return p;
}

Result<std::vector<MasterEntry>> parse_postconf_services(std::string_view text) {
  if (text.size() > kMaxPostconfBytes) return Error::perm("postconf -M output larger than kMaxPostconfBytes");
  std::vector<MasterEntry> out;
  Error err;
  bool failed = false;
  for_each_line(text, [&](size_t no, std::string_view line) {
    auto fail = [&](std::string_view what) {
      err = line_error(no, what);
      failed = true;
      return false;
    };
    if (no > kMaxPostconfLines) return fail("too many lines");
    if (trim(line).empty() || trim(line).front() == '#') return true;
    if (blank(line.front())) return fail("continuation line (postconf -M joins them)");
    std::vector<std::string> fields;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && blank(line[i])) ++i;
      if (i >= line.size()) break;
      if (fields.size() >= kMaxServiceFields) return fail("too many fields");
      size_t start = i;
      if (line[i] == '{') {
        size_t close = line.find('}', i);
        if (close == std::string_view::npos) return fail("unbalanced '{'");
        i = close + 1;
      } else {
        while (i < line.size() && !blank(line[i])) ++i;
      }
      fields.emplace_back(line.substr(start, i - start));
    }
    if (fields.size() < 8) return fail("fewer than 8 fields");
    MasterEntry e{fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6], fields[7], {}};
    e.args.assign(fields.begin() + 8, fields.end());
    out.push_back(std::move(e));
    return true;
  });
  if (failed) return err;
  return out;
}

}  // namespace postern::audit
