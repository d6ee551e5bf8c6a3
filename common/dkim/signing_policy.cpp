// Implements DkimSigningPolicy and dkim_options. Contract in signing_policy.h.
#include "common/dkim/signing_policy.h"

#include <map>
#include <set>

#include "common/core/ascii.h"
#include "common/core/file_read.h"
#include "common/dkim/key_table.h"
#include "common/dkim/signing_table.h"

namespace postern {
namespace {

std::string join(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "\n") + e;
  return out;
}

}  // namespace

Result<DkimSigningPolicy> DkimSigningPolicy::load(const DkimConfig& c) {
  DkimSigningPolicy p;
  std::vector<std::string> errors;
  std::map<std::string, std::shared_ptr<const DkimPrivateKey>> loaded;  // by path
  auto load_key = [&](const std::string& path) -> std::shared_ptr<const DkimPrivateKey> {
    if (auto it = loaded.find(path); it != loaded.end()) return it->second;
    auto k = load_dkim_private_key(path);
    if (!k) {
      errors.push_back(k.error().message);
      return nullptr;
    }
    auto sp = std::make_shared<const DkimPrivateKey>(std::move(*k));
    loaded[path] = sp;
    return sp;
  };
  for (size_t i = 0; i < c.keys.size(); ++i) {
    const auto& k = c.keys[i];
    DkimSigningKey key{"[[dkim.key]] #" + std::to_string(i + 1),
                       ascii_lower(k.domain),
                       k.selector,
                       k.key_file,
                       k.signing,
                       nullptr};
    if (!valid_dkim_domain(key.domain)) errors.push_back(key.name + ": invalid domain");
    if (!valid_dkim_selector(key.selector)) errors.push_back(key.name + ": invalid selector");
    if (key.patterns.empty()) key.patterns.push_back("*@" + key.domain);
    for (const auto& pat : key.patterns) {
      if (auto e = signing_pattern_error(pat); !e.empty()) errors.push_back(key.name + ": " + pat + ": " + e);
    }
    key.key = load_key(k.key_file);
    p.keys_.push_back(std::move(key));
  }
  p.inline_keys_ = p.keys_.size();
  if (!c.key_table.empty()) {
    auto kt_text = read_regular_file(c.key_table, kMaxKeyTableBytes);
    auto st_text = read_regular_file(c.signing_table, kMaxSigningTableBytes);
    if (!kt_text) errors.push_back(kt_text.error().message);
    if (!st_text) errors.push_back(st_text.error().message);
    if (kt_text && st_text) {
      auto kt = parse_key_table(*kt_text);
      for (const auto& e : kt.errors) errors.push_back(c.key_table + ":" + e);
      std::map<std::string, size_t> by_name;
      for (const auto& e : kt.entries) {
        by_name[e.name] = p.keys_.size();
        p.keys_.push_back({e.name, e.domain, e.selector, e.key_file, {}, load_key(e.key_file)});
      }
      auto st = parse_signing_table(*st_text);
      for (const auto& e : st.errors) errors.push_back(c.signing_table + ":" + e);
      for (const auto& e : st.entries) {
        auto it = by_name.find(e.key_name);
        if (it == by_name.end()) {
          errors.push_back(c.signing_table + ":" + std::to_string(e.line) + ": key " + e.key_name +
                           " is not in the key table");
          continue;
        }
        p.table_.push_back({e.pattern, it->second});
      }
    }
  }
  p.multiple_ = c.multiple_signatures;
  for (const auto& n : c.internal_networks) {
    if (auto net = IpNetwork::parse(n))
      p.internal_.push_back(*net);
    else
      errors.push_back("internal_networks: " + n + ": not an IP network");
  }
  if (!errors.empty()) return Error::perm(join(errors));
  return p;
}

std::vector<DkimSignPlan> DkimSigningPolicy::plans_for(std::string_view from_address) const {
  std::vector<DkimSignPlan> out;
  size_t at = from_address.rfind('@');
  if (at == std::string_view::npos || at + 1 >= from_address.size()) return out;
  std::string from_domain = ascii_lower(from_address.substr(at + 1));
  if (!valid_dkim_domain(from_domain)) return out;
  std::set<std::pair<std::string, std::string>> seen;
  auto add = [&](const DkimSigningKey& k) {
    std::string d = k.domain == "%" ? from_domain : k.domain;
    if (!k.key || !seen.insert({d, ascii_lower(k.selector)}).second) return;
    out.push_back({d, k.selector, k.key, ""});
  };
  for (size_t i = 0; i < inline_keys_; ++i) {
    for (const auto& pat : keys_[i].patterns) {
      if (signing_pattern_matches(pat, from_address)) {
        add(keys_[i]);
        break;
      }
    }
  }
  for (const auto& line : table_) {
    if (!signing_pattern_matches(line.pattern, from_address)) continue;
    add(keys_[line.key]);
    if (!multiple_) break;
  }
  return out;
}

bool DkimSigningPolicy::internal_client(const IpAddress& a) const {
  for (const auto& n : internal_) {
    if (n.contains(a)) return true;
  }
  return false;
}

DkimOptions dkim_options(const DkimConfig& c) {
  DkimOptions o;
  o.max_signatures = static_cast<size_t>(c.max_signatures);
  o.min_key_bits = static_cast<int>(c.min_key_bits);
  o.allow_rsa_sha1 = c.allow_rsa_sha1;
  o.body_length =
      c.body_length_tag == DkimBodyLengthTag::allow ? BodyLengthPolicy::allow : BodyLengthPolicy::policy;
  o.key_lookup_timeout = c.key_lookup_timeout;
  o.sign_headers = c.sign_headers;
  o.oversign_headers = c.oversign_headers;
  switch (c.canonicalization) {
    case DkimCanonicalization::relaxed_relaxed:
      o.header_canon = DkimCanon::relaxed;
      o.body_canon = DkimCanon::relaxed;
      break;
    case DkimCanonicalization::relaxed_simple:
      o.header_canon = DkimCanon::relaxed;
      o.body_canon = DkimCanon::simple;
      break;
    case DkimCanonicalization::simple_relaxed:
      o.header_canon = DkimCanon::simple;
      o.body_canon = DkimCanon::relaxed;
      break;
    case DkimCanonicalization::simple_simple:
      o.header_canon = DkimCanon::simple;
      o.body_canon = DkimCanon::simple;
      break;
  }
  o.expire = c.expire;
  return o;
}

}  // namespace postern
