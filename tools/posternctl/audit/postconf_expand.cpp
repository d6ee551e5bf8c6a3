// Implements expand_postfix_value. Contract in postconf_expand.h.
#include "tools/posternctl/audit/postconf_expand.h"

namespace postern::audit {
namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

Result<void> expand(std::string_view v, const ParamLookup& lookup, size_t depth, size_t& lookups,
                    std::string& out) {
  if (depth > kMaxExpandDepth) return Error::perm("parameter expansion nested deeper than kMaxExpandDepth");
  size_t i = 0;
  while (i < v.size()) {
    if (out.size() > kMaxExpandedBytes) return Error::perm("expanded value larger than kMaxExpandedBytes");
    char c = v[i];
    if (c != '$' || i + 1 >= v.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    char n = v[i + 1];
    if (n == '$') {
      out.push_back('$');
      i += 2;
      continue;
    }
    std::string_view name, text;
    char op = 0;
    if (n == '{' || n == '(') {
      char close = n == '{' ? '}' : ')';
      // Find the matching close, counting nested opens of the same kind.
      size_t j = i + 2, level = 1;
      for (; j < v.size(); ++j) {
        if (v[j] == n) ++level;
        if (v[j] == close && --level == 0) break;
      }
      if (j >= v.size()) {  // unbalanced: keep the text as it is
        out.append(v.substr(i));
        return ok();
      }
      std::string_view inner = v.substr(i + 2, j - i - 2);
      size_t k = 0;
      while (k < inner.size() && name_char(inner[k])) ++k;
      name = inner.substr(0, k);
      if (k < inner.size() && (inner[k] == '?' || inner[k] == ':')) {
        op = inner[k];
        text = inner.substr(k + 1);
      } else if (k < inner.size()) {  // not a form we know: keep it verbatim
        out.append(v.substr(i, j + 1 - i));
        i = j + 1;
        continue;
      }
      i = j + 1;
    } else if (name_char(n)) {
      size_t k = i + 1;
      while (k < v.size() && name_char(v[k])) ++k;
      name = v.substr(i + 1, k - i - 1);
      i = k;
    } else {
      out.push_back('$');
      ++i;
      continue;
    }
    if (++lookups > kMaxExpandLookups)
      return Error::perm("parameter expansion took more than kMaxExpandLookups lookups");
    const std::string* val = lookup(name);
    std::string expanded;
    if (val) {
      if (auto r = expand(*val, lookup, depth + 1, lookups, expanded); !r) return r;
    }
    if (op == '?') {
      if (!expanded.empty()) {
        if (auto r = expand(text, lookup, depth + 1, lookups, out); !r) return r;
      }
    } else if (op == ':') {
      if (expanded.empty()) {
        if (auto r = expand(text, lookup, depth + 1, lookups, out); !r) return r;
      }
    } else {
      out += expanded;
    }
  }
  if (out.size() > kMaxExpandedBytes) return Error::perm("expanded value larger than kMaxExpandedBytes");
  return ok();
}

}  // namespace

Result<std::string> expand_postfix_value(std::string_view value, const ParamLookup& lookup) {
  std::string out;
  size_t lookups = 0;
  if (auto r = expand(value, lookup, 0, lookups, out); !r) return r.error();
  return out;
}

}  // namespace postern::audit
