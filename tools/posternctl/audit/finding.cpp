// Implements Report. Contract in finding.h.
#include "tools/posternctl/audit/finding.h"

#include <algorithm>

namespace postern::audit {
namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      static const char* kHex = "0123456789abcdef";
      out += "\\u00";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

// Control and non-ASCII bytes as \xHH, at most max bytes (then "...").
std::string printable(const std::string& s, size_t max) {
  std::string out;
  static const char* kHex = "0123456789abcdef";
  for (unsigned char c : s) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int count(const std::vector<Finding>& v, Severity s) {
  return static_cast<int>(
      std::count_if(v.begin(), v.end(), [s](const Finding& f) { return f.severity == s; }));
}

}  // namespace

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::info:
      return "info";
  }
  return "?";
}

void Report::add(Finding f) {
  f.where = printable(f.where, 200);
  f.value = printable(f.value, 300);
  f.message = printable(f.message, 400);
  f.fix = printable(f.fix, 400);
  MutexLock lock(mu_);
  findings_.push_back(std::move(f));
}

std::vector<Finding> Report::findings() const {
  MutexLock lock(mu_);
  return findings_;
}

int Report::errors() const { return count(findings(), Severity::error); }
int Report::warnings() const { return count(findings(), Severity::warning); }
int Report::infos() const { return count(findings(), Severity::info); }

std::string Report::text() const {
  auto all = findings();
  std::string out;
  for (const auto& f : all) {
    out += std::string(severity_name(f.severity)) + " " + f.id + " " + f.where + ": " + f.message;
    if (!f.setting.empty()) out += " (" + f.setting + (f.value.empty() ? "" : " = " + f.value) + ")";
    if (!f.fix.empty()) out += "; fix: " + f.fix;
    out += "\n";
  }
  int e = count(all, Severity::error), w = count(all, Severity::warning), i = count(all, Severity::info);
  out += "summary: " + std::to_string(e) + (e == 1 ? " error, " : " errors, ") + std::to_string(w) +
         (w == 1 ? " warning, " : " warnings, ") + std::to_string(i) + (i == 1 ? " info\n" : " infos\n");
  return out;
}

std::string Report::json() const {
  auto all = findings();
  std::string out = "{\"findings\": [";
  for (size_t k = 0; k < all.size(); ++k) {
    const auto& f = all[k];
    out += std::string(k ? ",\n  " : "\n  ") + "{\"id\": " + json_string(f.id) +
           ", \"severity\": " + json_string(severity_name(f.severity)) +
           ", \"where\": " + json_string(f.where) + ", \"setting\": " + json_string(f.setting) +
           ", \"value\": " + json_string(f.value) + ", \"message\": " + json_string(f.message) +
           ", \"fix\": " + json_string(f.fix) + "}";
  }
  out += all.empty() ? "]" : "\n]";
  out += ", \"summary\": {\"errors\": " + std::to_string(count(all, Severity::error)) +
         ", \"warnings\": " + std::to_string(count(all, Severity::warning)) +
         ", \"infos\": " + std::to_string(count(all, Severity::info)) + "}}\n";
  return out;
}

}  // namespace postern::audit
