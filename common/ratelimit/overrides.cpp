// Implements parse_limit_overrides. Contract in overrides.h.
#include "common/ratelimit/overrides.h"

#include <set>

#include "common/core/ascii.h"
#include "common/core/lines.h"
#include "common/core/quantity.h"

namespace postern {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

bool valid_subject(std::string_view s) {
  if (s.empty() || s.size() > kMaxOverrideSubject) return false;
  if (s == "@") return false;
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

// "METRIC=N/WINDOW" into limit (which holds the window's other quantities so far).
std::string parse_token(std::string_view tok, std::vector<SendLimit>& limits) {
  size_t eq = tok.find('=');
  size_t slash = tok.rfind('/');
  if (eq == std::string_view::npos || slash == std::string_view::npos || slash < eq)
    return "\"" + std::string(tok) + "\": expected METRIC=N/WINDOW, e.g. messages=100/1h";
  std::string_view metric = tok.substr(0, eq);
  std::string_view number = tok.substr(eq + 1, slash - eq - 1);
  std::string_view window = tok.substr(slash + 1);
  LimitMetric m;
  if (metric == "messages")
    m = LimitMetric::messages;
  else if (metric == "recipients")
    m = LimitMetric::recipients;
  else if (metric == "bytes")
    m = LimitMetric::bytes;
  else
    return "\"" + std::string(metric) + "\": not messages, recipients or bytes";
  // Counts are plain digits; bytes may carry a K, M, G or T suffix.
  bool digits = true;
  for (char ch : number) digits = digits && ch >= '0' && ch <= '9';
  auto n = m == LimitMetric::bytes || digits ? parse_byte_size(number) : std::nullopt;
  if (!n || *n <= 0 || *n > kMaxLimitValue)
    return "\"" + std::string(number) + "\": not a count from 1 to 2^50" +
           (m == LimitMetric::bytes ? " (suffix K, M, G, T allowed)" : "");
  auto w = parse_duration_seconds(window);
  if (!w || *w < 1 || *w > kMaxLimitWindow)
    return "\"" + std::string(window) + "\": not a window from 1s to 366d (e.g. 90s, 10m, 1h, 1d)";
  SendLimit* target = nullptr;
  for (auto& l : limits) {
    if (l.window == *w) target = &l;
  }
  if (!target) {
    if (limits.size() >= kMaxOverrideLimits)
      return "more than " + std::to_string(kMaxOverrideLimits) + " windows on one line";
    limits.push_back(SendLimit{LimitBy::login, *w, 0, 0, 0});
    target = &limits.back();
  }
  int64_t& slot = m == LimitMetric::messages     ? target->messages
                  : m == LimitMetric::recipients ? target->recipients
                                                 : target->bytes;
  if (slot != 0) return std::string(limit_metric_name(m)) + " per " + std::string(window) + " given twice";
  slot = *n;
  return "";
}

}  // namespace

OverridesParse parse_limit_overrides(std::string_view text) {
  OverridesParse out;
  if (text.size() > kMaxOverridesBytes) {
    out.errors.push_back("0: file larger than " + std::to_string(kMaxOverridesBytes) + " bytes");
    return out;
  }
  std::set<std::string, std::less<>> seen;
  for_each_line(text, [&](size_t line_no, std::string_view line) {
    auto err = [&](const std::string& m) { out.errors.push_back(std::to_string(line_no) + ": " + m); };
    if (line.size() > kMaxOverrideLine) {
      err("line longer than " + std::to_string(kMaxOverrideLine) + " bytes");
      return true;
    }
    size_t hash = line.find('#');
    if (hash != std::string_view::npos) line = line.substr(0, hash);
    auto f = fields(line);
    if (f.empty()) return true;
    if (!valid_subject(f[0])) {
      err("\"" + std::string(f[0].substr(0, 64)) + "\": not a login or @domain");
      return true;
    }
    if (f.size() < 2) {
      err("no limits after " + std::string(f[0]) + " (write \"none\" for no limit)");
      return true;
    }
    LimitOverride o;
    o.subject = ascii_lower(f[0]);
    o.line = static_cast<int>(line_no);
    if (f.size() == 2 && f[1] == "none") {
      // no limits
    } else {
      for (size_t i = 1; i < f.size(); ++i) {
        if (f[i] == "none") {
          err("\"none\" must stand alone");
          return true;
        }
        if (auto e = parse_token(f[i], o.limits); !e.empty()) {
          err(e);
          return true;
        }
      }
    }
    if (seen.count(o.subject)) {
      err(o.subject + ": listed again (the first line counts)");
      return true;
    }
    seen.insert(o.subject);
    out.entries.push_back(std::move(o));
    return true;
  });
  return out;
}

}  // namespace postern
