// Implements parse_spf_record. Contract in record.h.
#include "common/spf/record.h"

#include <strings.h>

namespace postern {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A decimal CIDR length without leading zeros, at most max.
bool parse_cidr(std::string_view s, int max, int& out) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return false;
  int v = 0;
  for (char c : s) {
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

// Where a trailing "/" 1*DIGIT of s starts (the slash), or npos.
size_t trailing_slash_digits(std::string_view s) {
  size_t i = s.size();
  while (i > 0 && is_digit(s[i - 1])) --i;
  if (i == s.size() || i == 0 || s[i - 1] != '/') return std::string_view::npos;
  return i - 1;
}

// Splits "spec/24//64" into the domain-spec and the dual-cidr-length, reading the lengths from the
// right: a domain-spec may itself hold "/" (RFC 7208 7.1: any visible character but "%" outside a
// macro), so only a trailing "/N", "//N" or "/N//N" is a CIDR length.
Result<std::string> split_dual_cidr(std::string_view arg, SpfTerm& t) {
  std::string_view spec = arg;
  size_t slash = trailing_slash_digits(spec);
  if (slash != std::string_view::npos && slash > 0 && spec[slash - 1] == '/') {
    if (!parse_cidr(spec.substr(slash + 1), 128, t.cidr6))
      return Error::perm("bad IPv6 CIDR length in \"" + t.text + "\"");
    spec = spec.substr(0, slash - 1);
    slash = trailing_slash_digits(spec);
  }
  if (slash != std::string_view::npos) {
    if (!parse_cidr(spec.substr(slash + 1), 32, t.cidr4))
      return Error::perm("bad IPv4 CIDR length in \"" + t.text + "\"");
    spec = spec.substr(0, slash);
  }
  return std::string(spec);
}

bool valid_domain_spec(std::string_view s) {
  if (s.empty() || s.size() > kMaxSpfDomainSpecLength || !valid_macro_string(s, false)) return false;
  // domain-end: a macro-expand, or "." toplabel ["."]. Checked loosely here (a toplabel has a
  // letter, or is alphanumerics with a hyphen inside); expansion results are checked again.
  if (s.back() == '}') return true;
  std::string_view d = s;
  if (d.back() == '.') d.remove_suffix(1);
  size_t dot = d.rfind('.');
  if (dot == std::string_view::npos) return false;
  std::string_view top = d.substr(dot + 1);
  if (top.empty() || top.front() == '-' || top.back() == '-') return false;
  bool alpha = false;
  for (char c : top) {
    if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
    alpha |= is_alpha(c) || c == '-';
  }
  return alpha;
}

}  // namespace

const char* to_string(SpfMechanism m) {
  switch (m) {
    case SpfMechanism::all:
      return "all";
    case SpfMechanism::include:
      return "include";
    case SpfMechanism::a:
      return "a";
    case SpfMechanism::mx:
      return "mx";
    case SpfMechanism::ptr:
      return "ptr";
    case SpfMechanism::ip4:
      return "ip4";
    case SpfMechanism::ip6:
      return "ip6";
    case SpfMechanism::exists:
      return "exists";
  }
  return "?";
}

bool is_spf_record(std::string_view txt) {
  return txt.size() >= 6 && iequals(txt.substr(0, 6), "v=spf1") && (txt.size() == 6 || txt[6] == ' ');
}

bool valid_macro_string(std::string_view s, bool explanation) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) {
      if (!(explanation && c == ' ')) return false;
    }
    if (c != '%') continue;
    if (++i >= s.size()) return false;
    char n = s[i];
    if (n == '%' || n == '_' || n == '-') continue;
    if (n != '{') return false;
    size_t close = s.find('}', i);
    if (close == std::string_view::npos) return false;
    std::string_view body = s.substr(i + 1, close - i - 1);
    if (body.empty()) return false;
    char letter = static_cast<char>(body[0] | 0x20);
    bool ok = letter == 's' || letter == 'l' || letter == 'o' || letter == 'd' || letter == 'i' ||
              letter == 'p' || letter == 'h' || letter == 'v' ||
              (explanation && (letter == 'c' || letter == 'r' || letter == 't'));
    if (!ok) return false;
    size_t j = 1;
    while (j < body.size() && is_digit(body[j])) ++j;
    if (j > 1) {
      if (body[1] == '0' || j - 1 > 3) return false;  // transformer digits: 1..999 (no zero)
    }
    if (j < body.size() && (body[j] == 'r' || body[j] == 'R')) ++j;
    for (; j < body.size(); ++j) {
      char d = body[j];
      if (d != '.' && d != '-' && d != '+' && d != ',' && d != '/' && d != '_' && d != '=') return false;
    }
    i = close;
  }
  return true;
}

namespace {

// A modifier term (name "=" value): redirect= and exp= once each, others only checked.
Result<void> parse_modifier(std::string_view term, size_t eq, SpfRecord& rec, bool& have_redirect,
                            bool& have_exp) {
  std::string_view name = term.substr(0, eq), value = term.substr(eq + 1);
  if (name.empty() || !is_alpha(name[0])) return Error::perm("bad modifier \"" + std::string(term) + "\"");
  for (char c : name) {
    if (!is_alpha(c) && !is_digit(c) && c != '-' && c != '_' && c != '.')
      return Error::perm("bad modifier name \"" + std::string(name) + "\"");
  }
  if (iequals(name, "redirect")) {
    if (have_redirect) return Error::perm("redirect= given twice");
    if (!valid_domain_spec(value)) return Error::perm("bad redirect domain \"" + std::string(value) + "\"");
    have_redirect = true;
    rec.redirect = std::string(value);
  } else if (iequals(name, "exp")) {
    if (have_exp) return Error::perm("exp= given twice");
    if (!valid_domain_spec(value)) return Error::perm("bad exp domain \"" + std::string(value) + "\"");
    have_exp = true;
    rec.exp = std::string(value);
  } else if (!valid_macro_string(value, false)) {
    return Error::perm("bad modifier value in \"" + std::string(term) + "\"");
  }
  return {};
}

// The qualifier in front of a mechanism, removed from body ('+' when there is none).
SpfQualifier take_qualifier(std::string_view& body) {
  switch (body.front()) {
    case '+':
      body.remove_prefix(1);
      return SpfQualifier::pass;
    case '-':
      body.remove_prefix(1);
      return SpfQualifier::fail;
    case '~':
      body.remove_prefix(1);
      return SpfQualifier::softfail;
    case '?':
      body.remove_prefix(1);
      return SpfQualifier::neutral;
    default:
      return SpfQualifier::pass;
  }
}

// ip4:ADDR[/LEN] or ip6:ADDR[/LEN] (arg is what follows the ':').
Result<void> parse_ip_mechanism(bool v6, bool has_arg, std::string_view arg, SpfTerm& t) {
  auto bad = [&](const char* why) { return Error::perm(std::string(why) + " in \"" + t.text + "\""); };
  t.mechanism = v6 ? SpfMechanism::ip6 : SpfMechanism::ip4;
  if (!has_arg) return bad("missing address");
  size_t slash = arg.find('/');
  std::string_view addr = arg.substr(0, slash);
  int len = v6 ? 128 : 32;
  if (slash != std::string_view::npos && !parse_cidr(arg.substr(slash + 1), len, len))
    return bad("bad CIDR length");
  auto ip = IpAddress::parse(addr);
  if (!ip || ip->v6 != v6 || addr.find_first_of("[]Ii") != std::string_view::npos) return bad("bad address");
  auto net = IpNetwork::parse(std::string(addr) + "/" + std::to_string(len));
  if (!net) return bad("bad network");
  t.network = *net;
  return {};
}

// A mechanism term: [qualifier] name [":" domain-spec | "/" cidr ...].
Result<SpfTerm> parse_mechanism(std::string_view term) {
  SpfTerm t;
  t.text = std::string(term);
  std::string_view body = term;
  t.qualifier = take_qualifier(body);
  size_t sep = body.find_first_of(":/");
  std::string_view name = body.substr(0, sep);
  std::string_view rest = sep == std::string_view::npos ? std::string_view() : body.substr(sep);
  bool has_arg = !rest.empty() && rest.front() == ':';
  std::string_view arg = has_arg ? rest.substr(1) : rest;
  auto bad = [&](const char* why) { return Error::perm(std::string(why) + " in \"" + t.text + "\""); };
  if (iequals(name, "all")) {
    if (!rest.empty()) return bad("all takes no argument");
    t.mechanism = SpfMechanism::all;
  } else if (iequals(name, "include") || iequals(name, "exists")) {
    t.mechanism = iequals(name, "include") ? SpfMechanism::include : SpfMechanism::exists;
    if (!has_arg || !valid_domain_spec(arg)) return bad("missing or bad domain");
    t.domain_spec = std::string(arg);
  } else if (iequals(name, "a") || iequals(name, "mx")) {
    t.mechanism = iequals(name, "a") ? SpfMechanism::a : SpfMechanism::mx;
    if (!rest.empty() && !has_arg && rest.front() != '/') return bad("bad syntax");
    auto spec = split_dual_cidr(arg, t);
    if (!spec) return spec.error();
    if (!has_arg && !spec->empty()) return bad("bad CIDR length");
    if (has_arg && !valid_domain_spec(*spec)) return bad("bad domain");
    t.domain_spec = *spec;
  } else if (iequals(name, "ptr")) {
    t.mechanism = SpfMechanism::ptr;
    if (!rest.empty() && (!has_arg || !valid_domain_spec(arg))) return bad("bad domain");
    t.domain_spec = std::string(arg);
  } else if (iequals(name, "ip4") || iequals(name, "ip6")) {
    if (auto ip = parse_ip_mechanism(iequals(name, "ip6"), has_arg, arg, t); !ip) return ip.error();
  } else {
    return bad("unknown mechanism");
  }
  return t;
}

}  // namespace

Result<SpfRecord> parse_spf_record(std::string_view txt) {
  if (txt.size() > kMaxSpfRecordLength) return Error::perm("SPF record longer than 4096 bytes");
  if (!is_spf_record(txt)) return Error::perm("not an SPF record");
  SpfRecord rec;
  bool have_redirect = false, have_exp = false;
  size_t pos = 6;
  while (pos < txt.size()) {
    while (pos < txt.size() && txt[pos] == ' ') ++pos;
    if (pos >= txt.size()) break;
    size_t end = txt.find(' ', pos);
    if (end == std::string_view::npos) end = txt.size();
    std::string_view term = txt.substr(pos, end - pos);
    pos = end;
    if (rec.terms.size() >= kMaxSpfTerms) return Error::perm("more than 128 terms");
    // Modifier: name "=" ...
    size_t eq = term.find('=');
    size_t colon_or_slash = term.find_first_of(":/");
    if (eq != std::string_view::npos && (colon_or_slash == std::string_view::npos || eq < colon_or_slash)) {
      if (auto m = parse_modifier(term, eq, rec, have_redirect, have_exp); !m) return m.error();
      continue;
    }
    auto t = parse_mechanism(term);
    if (!t) return t.error();
    rec.terms.push_back(std::move(*t));
  }
  return rec;
}

}  // namespace postern
