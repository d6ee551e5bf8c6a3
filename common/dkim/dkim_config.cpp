// Reads the [dkim] section. Contract in dkim_config.h.
#include "common/dkim/dkim_config.h"

#include <algorithm>

#include "common/net/ip.h"

namespace postern {
namespace {

bool dns_name_ok(const std::string& s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

bool pattern_ok(const std::string& p) {
  return !p.empty() && p.size() <= 512 && std::all_of(p.begin(), p.end(), [](char c) {
    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
}

bool header_name_ok(const std::string& n) {
  return !n.empty() && n.size() <= 128 && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

void absolute(SectionReader& r, const char* key, const std::string& path) {
  if (!path.empty() && path[0] != '/') r.error(key, "must be an absolute path");
}

}  // namespace

void read_dkim_config(SectionReader& r, DkimConfig& c) {
  r.boolean("enabled", c.enabled);
  r.boolean("sign", c.sign);
  r.boolean("verify", c.verify);
  r.string("key_table", c.key_table, 1024);
  absolute(r, "key_table", c.key_table);
  r.string("signing_table", c.signing_table, 1024);
  absolute(r, "signing_table", c.signing_table);
  if (c.key_table.empty() != c.signing_table.empty())
    r.error(c.key_table.empty() ? "signing_table" : "key_table", "key_table and signing_table go together");
  r.boolean("multiple_signatures", c.multiple_signatures);
  r.strings("sign_headers", c.sign_headers, 256, 128);
  for (const auto& h : c.sign_headers) {
    if (!header_name_ok(h)) r.error("sign_headers", "\"" + h + "\": not a header field name");
  }
  if (std::none_of(c.sign_headers.begin(), c.sign_headers.end(), [](const std::string& h) {
        return h.size() == 4 && (h[0] | 0x20) == 'f' && (h[1] | 0x20) == 'r' && (h[2] | 0x20) == 'o' &&
               (h[3] | 0x20) == 'm';
      }))
    r.error("sign_headers", "must include From (RFC 6376 5.4)");
  r.strings("oversign_headers", c.oversign_headers, 256, 128);
  for (const auto& h : c.oversign_headers) {
    if (!header_name_ok(h)) r.error("oversign_headers", "\"" + h + "\": not a header field name");
  }
  r.choice("canonicalization", c.canonicalization, kDkimCanonicalizations);
  r.duration("expire", c.expire, Seconds(0), Seconds(366 * 86400));
  r.integer("max_signatures", c.max_signatures, 1, 100);
  r.integer("min_key_bits", c.min_key_bits, 512, 8192);
  r.boolean("allow_rsa_sha1", c.allow_rsa_sha1);
  r.choice("body_length_tag", c.body_length_tag, kDkimBodyLengthTags);
  r.duration("key_lookup_timeout", c.key_lookup_timeout, std::chrono::milliseconds(100),
             std::chrono::milliseconds(60000));
  r.boolean("key_cache", c.key_cache);
  r.strings("internal_networks", c.internal_networks, 1024, 64);
  for (const auto& n : c.internal_networks) {
    if (!IpNetwork::parse(n)) r.error("internal_networks", "\"" + n + "\": not an IP network");
  }
  for (auto& t : r.tables("key", 10000)) {
    DkimKeyConfig k;
    t.string("domain", k.domain, 253);
    if (!dns_name_ok(k.domain)) t.error("domain", "a DNS domain name is required");
    t.string("selector", k.selector, 253);
    if (!dns_name_ok(k.selector)) t.error("selector", "a selector (DNS labels) is required");
    t.path("key_file", k.key_file, false);
    t.strings("signing", k.signing, 1024, 512);
    for (const auto& p : k.signing) {
      if (!pattern_ok(p)) t.error("signing", "\"" + p + "\": not a signing pattern");
    }
    if (k.signing.empty()) k.signing.push_back("*@" + k.domain);
    c.keys.push_back(std::move(k));
  }
}

}  // namespace postern
