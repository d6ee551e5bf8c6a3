// Implements the MTA-STS policy parser and renderer. Contract in mta_sts_policy.h.
#include "tools/posternctl/transport/mta_sts_policy.h"

#include <openssl/evp.h>

#include <cctype>

#include "common/core/ascii.h"

namespace postern::ctl {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

}  // namespace

const char* to_string(MtaStsMode m) {
  switch (m) {
    case MtaStsMode::enforce:
      return "enforce";
    case MtaStsMode::testing:
      return "testing";
    case MtaStsMode::none:
      return "none";
  }
  return "none";
}

bool valid_host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
      continue;
    }
    char c = host[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
    ++label;
  }
  return true;
}

Result<MtaStsPolicy> parse_mta_sts_policy(std::string_view text) {
  if (text.size() > kMaxMtaStsPolicyBytes) return Error::perm("policy larger than 64 KB");
  MtaStsPolicy p;
  bool have_version = false, have_mode = false, have_max_age = false;
  size_t lines = 0, pos = 0;
  while (pos < text.size()) {
    if (++lines > kMaxMtaStsLines)
      return Error::perm("more than " + std::to_string(kMaxMtaStsLines) + " lines");
    size_t nl = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string where = "line " + std::to_string(lines);
    if (line.empty()) {
      if (pos >= text.size()) break;  // a final empty line
      return Error::perm(where + ": empty line inside the policy");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return Error::perm(where + ": no ':'");
    std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && is_wsp(value.front())) value.remove_prefix(1);
    while (!value.empty() && is_wsp(value.back())) value.remove_suffix(1);
    for (char c : value) {
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
        return Error::perm(where + ": control character");
    }
    if (key == "version") {
      if (have_version) return Error::perm(where + ": second version field");
      if (value != "STSv1") return Error::perm(where + ": version is not STSv1");
      have_version = true;
    } else if (key == "mode") {
      if (have_mode) return Error::perm(where + ": second mode field");
      if (value == "enforce")
        p.mode = MtaStsMode::enforce;
      else if (value == "testing")
        p.mode = MtaStsMode::testing;
      else if (value == "none")
        p.mode = MtaStsMode::none;
      else
        return Error::perm(where + ": mode must be enforce, testing or none");
      have_mode = true;
    } else if (key == "max_age") {
      if (have_max_age) return Error::perm(where + ": second max_age field");
      if (value.empty() || value.size() > 10) return Error::perm(where + ": max_age must be 1 to 10 digits");
      uint64_t v = 0;
      for (char c : value) {
        if (c < '0' || c > '9') return Error::perm(where + ": max_age must be 1 to 10 digits");
        v = v * 10 + static_cast<uint64_t>(c - '0');
      }
      if (v > kMaxMtaStsMaxAge) return Error::perm(where + ": max_age above 31557600");
      p.max_age = v;
      have_max_age = true;
    } else if (key == "mx") {
      if (p.mx.size() == kMaxMtaStsMxPatterns)
        return Error::perm(where + ": more than " + std::to_string(kMaxMtaStsMxPatterns) + " mx lines");
      std::string_view host = value.substr(0, 2) == "*." ? value.substr(2) : value;
      if (!valid_host_name(host)) return Error::perm(where + ": mx is not a host name or *.name");
      p.mx.push_back(ascii_lower(value));
    } else {
      // An extension: 1-32 of ALPHA / DIGIT then "_", "-", "." (RFC 8461 3.2).
      if (key.empty() || key.size() > 32 || !std::isalnum(static_cast<unsigned char>(key[0])))
        return Error::perm(where + ": malformed field name");
      for (char c : key) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
          return Error::perm(where + ": malformed field name");
      }
    }
  }
  if (!have_version) return Error::perm("no version field");
  if (!have_mode) return Error::perm("no mode field");
  if (!have_max_age) return Error::perm("no max_age field");
  if (p.mx.empty() && p.mode != MtaStsMode::none) return Error::perm("no mx field");
  return p;
}

std::string render_mta_sts_policy(const MtaStsPolicy& p) {
  std::string out = "version: STSv1\r\nmode: " + std::string(to_string(p.mode)) + "\r\n";
  for (const auto& mx : p.mx) out += "mx: " + mx + "\r\n";
  out += "max_age: " + std::to_string(p.max_age) + "\r\n";
  return out;
}

std::string mta_sts_policy_id(std::string_view policy_text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(policy_text.data(), policy_text.size(), md, &n, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < n && out.size() < kMaxMtaStsIdLength; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

bool mx_pattern_matches(std::string_view pattern, std::string_view host) {
  std::string pat = ascii_lower(pattern), h = ascii_lower(host);
  while (!h.empty() && h.back() == '.') h.pop_back();
  if (pat.rfind("*.", 0) == 0) {
    size_t dot = h.find('.');
    return dot != std::string::npos && dot > 0 && h.compare(dot + 1, std::string::npos, pat, 2) == 0;
  }
  return pat == h;
}

}  // namespace postern::ctl
