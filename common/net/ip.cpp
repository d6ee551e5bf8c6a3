// Implements IpAddress / IpNetwork (contract in ip.h). Input is untrusted text (client addresses
// from Postfix, policy requests, config values): bounded by kMaxIpText, strict grammar, never
// throws or asserts. IPv4: exactly four decimal octets 0..255 without leading zeros. IPv6: RFC 4291
// text form with at most one "::" and an optional trailing dotted quad; no zone ids.
#include "common/net/ip.h"

#include <cstdio>

namespace postern {

namespace {

constexpr int kMaxHexGroupDigits = 4;
constexpr int kIpv6Groups = 8;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char a = s[i];
    char b = prefix[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

// Four octets "a.b.c.d" into out[0..3].
bool parse_v4(std::string_view s, uint8_t* out) {
  int part = 0;
  size_t i = 0;
  while (part < 4) {
    if (i >= s.size() || !is_digit(s[i])) return false;
    size_t start = i;
    int value = 0;
    while (i < s.size() && is_digit(s[i])) {
      if (i - start >= 3) return false;
      value = value * 10 + (s[i] - '0');
      ++i;
    }
    if (i - start > 1 && s[start] == '0') return false;  // leading zero: ambiguous (octal?)
    if (value > 255) return false;
    out[part++] = static_cast<uint8_t>(value);
    if (part < 4) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
  }
  return i == s.size();
}

bool parse_v6(std::string_view s, uint8_t* out) {
  uint16_t head[kIpv6Groups] = {};
  uint16_t tail[kIpv6Groups] = {};
  int nhead = 0;
  int ntail = 0;
  bool compressed = false;
  size_t i = 0;
  if (s.size() >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = true;
    i = 2;
  } else if (!s.empty() && s[0] == ':') {
    return false;
  }
  bool need_group = !compressed;  // after a single ':' another group must follow
  while (i < s.size()) {
    int total = nhead + ntail;
    // A trailing dotted quad takes two groups.
    size_t j = i;
    while (j < s.size() && hex_value(s[j]) >= 0) ++j;
    if (j < s.size() && s[j] == '.') {
      if (total + 2 > kIpv6Groups) return false;
      uint8_t v4[4];
      if (!parse_v4(s.substr(i), v4)) return false;
      uint16_t* dst = compressed ? tail : head;
      int& n = compressed ? ntail : nhead;
      dst[n++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
      dst[n++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
      i = s.size();
      need_group = false;
      break;
    }
    size_t digits = j - i;
    if (digits == 0 || digits > kMaxHexGroupDigits) return false;
    if (total + 1 > kIpv6Groups) return false;
    uint16_t v = 0;
    for (size_t k = i; k < j; ++k) v = static_cast<uint16_t>(v << 4 | hex_value(s[k]));
    if (compressed) {
      tail[ntail++] = v;
    } else {
      head[nhead++] = v;
    }
    i = j;
    need_group = false;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (compressed) return false;  // a second "::"
      compressed = true;
      ++i;
    } else {
      need_group = true;
    }
  }
  if (need_group) return false;
  int total = nhead + ntail;
  if (compressed ? total > kIpv6Groups - 1 : total != kIpv6Groups) return false;
  uint16_t groups[kIpv6Groups] = {};
  for (int k = 0; k < nhead; ++k) groups[k] = head[k];
  for (int k = 0; k < ntail; ++k) groups[kIpv6Groups - ntail + k] = tail[k];
  for (int k = 0; k < kIpv6Groups; ++k) {
    out[2 * k] = static_cast<uint8_t>(groups[k] >> 8);
    out[2 * k + 1] = static_cast<uint8_t>(groups[k] & 0xff);
  }
  return true;
}

bool is_v4_mapped(const IpAddress& a) {
  if (!a.v6) return false;
  for (int i = 0; i < 10; ++i)
    if (a.bytes[i] != 0) return false;
  return a.bytes[10] == 0xff && a.bytes[11] == 0xff;
}

std::string v4_text(const uint8_t* b) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
  return buf;
}

}  // namespace

Result<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty()) return Error::perm("empty IP address");
  if (text.size() > kMaxIpText) return Error::perm("IP address too long");
  std::string_view s = text;
  bool force_v6 = false;
  if (s.front() == '[') {
    if (s.size() < 2 || s.back() != ']') return Error::perm("unbalanced brackets in IP address");
    s = s.substr(1, s.size() - 2);
    force_v6 = true;
  }
  if (iequals_prefix(s, "IPv6:")) {
    s.remove_prefix(5);
    force_v6 = true;
  }
  IpAddress a;
  if (!force_v6 && s.find(':') == std::string_view::npos) {
    if (!parse_v4(s, a.bytes.data())) return Error::perm("invalid IPv4 address");
    return a;
  }
  if (!parse_v6(s, a.bytes.data())) return Error::perm("invalid IPv6 address");
  a.v6 = true;
  return a;
}

std::string IpAddress::str() const {
  if (!v6) return v4_text(bytes.data());
  if (is_v4_mapped(*this)) return "::ffff:" + v4_text(bytes.data() + 12);
  uint16_t g[kIpv6Groups];
  for (int k = 0; k < kIpv6Groups; ++k) g[k] = static_cast<uint16_t>(bytes[2 * k] << 8 | bytes[2 * k + 1]);
  // RFC 5952 4.2: compress the longest run of two or more zero groups, the first one on a tie.
  int best_start = -1;
  int best_len = 0;
  for (int k = 0; k < kIpv6Groups;) {
    if (g[k] != 0) {
      ++k;
      continue;
    }
    int start = k;
    while (k < kIpv6Groups && g[k] == 0) ++k;
    if (k - start > best_len) {
      best_start = start;
      best_len = k - start;
    }
  }
  if (best_len < 2) best_start = -1;
  std::string out;
  out.reserve(40);
  char buf[8];
  for (int k = 0; k < kIpv6Groups; ++k) {
    if (k == best_start) {
      out += "::";
      k += best_len - 1;
      continue;
    }
    if (!out.empty() && out.back() != ':') out += ':';
    std::snprintf(buf, sizeof buf, "%x", g[k]);
    out += buf;
  }
  return out;
}

IpAddress IpAddress::unmapped() const {
  if (!is_v4_mapped(*this)) return *this;
  IpAddress a;
  for (int i = 0; i < 4; ++i) a.bytes[i] = bytes[12 + i];
  return a;
}

IpAddress IpAddress::masked(int prefix_len) const {
  IpAddress a = *this;
  int total = bits();
  if (prefix_len < 0) prefix_len = 0;
  if (prefix_len > total) prefix_len = total;
  int nbytes = total / 8;
  for (int i = 0; i < nbytes; ++i) {
    int keep = prefix_len - i * 8;
    if (keep >= 8) continue;
    if (keep <= 0) {
      a.bytes[i] = 0;
    } else {
      a.bytes[i] = static_cast<uint8_t>(a.bytes[i] & (0xff << (8 - keep)));
    }
  }
  for (size_t i = static_cast<size_t>(nbytes); i < a.bytes.size(); ++i) a.bytes[i] = 0;
  return a;
}

std::string IpAddress::reverse_labels() const {
  if (!v6) {
    uint8_t r[4] = {bytes[3], bytes[2], bytes[1], bytes[0]};
    return v4_text(r);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(63);
  for (int i = 15; i >= 0; --i) {
    if (!out.empty()) out += '.';
    out += kHex[bytes[i] & 0x0f];
    out += '.';
    out += kHex[bytes[i] >> 4];
  }
  return out;
}

std::string IpAddress::ptr_name() const { return reverse_labels() + (v6 ? ".ip6.arpa" : ".in-addr.arpa"); }

Result<IpNetwork> IpNetwork::parse(std::string_view text) {
  if (text.size() > kMaxIpText + 4) return Error::perm("network too long");
  size_t slash = text.find('/');
  auto addr = IpAddress::parse(text.substr(0, slash));
  if (!addr) return addr.error();
  IpNetwork n;
  n.prefix_len = addr->bits();
  if (slash != std::string_view::npos) {
    std::string_view len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3) return Error::perm("invalid prefix length");
    if (len.size() > 1 && len[0] == '0') return Error::perm("invalid prefix length");
    int v = 0;
    for (char c : len) {
      if (!is_digit(c)) return Error::perm("invalid prefix length");
      v = v * 10 + (c - '0');
    }
    if (v > addr->bits()) return Error::perm("prefix length out of range");
    n.prefix_len = v;
  }
  n.base = addr->masked(n.prefix_len);
  return n;
}

bool IpNetwork::contains(const IpAddress& a) const {
  IpAddress x = a;
  if (!base.v6 && x.v6) {
    if (!is_v4_mapped(x)) return false;
    x = x.unmapped();
  } else if (base.v6 && !x.v6) {
    // An IPv4 address matches an IPv6 network only through its IPv4-mapped form.
    IpAddress m;
    m.v6 = true;
    m.bytes[10] = 0xff;
    m.bytes[11] = 0xff;
    for (int i = 0; i < 4; ++i) m.bytes[12 + i] = x.bytes[i];
    x = m;
  }
  return x.masked(prefix_len) == base;
}

std::string IpNetwork::str() const { return base.str() + "/" + std::to_string(prefix_len); }

std::string network_key(const IpAddress& a, int v4_prefix, int v6_prefix) {
  IpAddress u = a.unmapped();
  IpNetwork n;
  n.prefix_len = u.v6 ? v6_prefix : v4_prefix;
  if (n.prefix_len < 0) n.prefix_len = 0;
  if (n.prefix_len > u.bits()) n.prefix_len = u.bits();
  n.base = u.masked(n.prefix_len);
  return n.str();
}

}  // namespace postern
