// Implements parse_dmarc_record and is_dmarc_record. Contract in record.h.
#include "common/dmarc/record.h"

#include <charconv>

#include "common/core/ascii.h"

namespace postern {
namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// tag-name = ALPHA *(ALPHA / DIGIT / "_")
bool valid_tag_name(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (char c : s) {
    if (!is_alpha(c) && !is_digit(c) && c != '_') return false;
  }
  return true;
}

// tag-value: printable characters except ';' with single interior spaces or tabs (RFC 6376 3.2).
bool valid_tag_value(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (is_wsp(c)) continue;
    if (u < 0x21 || u > 0x7e || c == ';') return false;
  }
  return true;
}

std::optional<DmarcPolicy> parse_policy(std::string_view v) {
  std::string s = ascii_lower(v);
  if (s == "none") return DmarcPolicy::none;
  if (s == "quarantine") return DmarcPolicy::quarantine;
  if (s == "reject") return DmarcPolicy::reject;
  return std::nullopt;
}

std::optional<DmarcAlign> parse_align(std::string_view v) {
  std::string s = ascii_lower(v);
  if (s == "r") return DmarcAlign::relaxed;
  if (s == "s") return DmarcAlign::strict;
  return std::nullopt;
}

bool parse_uint(std::string_view s, uint64_t max, uint64_t& out) {
  if (s.empty() || s.size() > 10) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

// One element of rua/ruf: URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]. The URI needs a scheme
// (ALPHA *(ALPHA / DIGIT / "+" / "-" / ".")), a ':' and a non-empty rest; commas and '!' inside
// a URI must be percent-encoded, so they never appear raw.
bool valid_report_uri(std::string_view s) {
  if (s.empty() || s.size() > kMaxReportUriBytes) return false;
  std::string_view uri = s;
  if (size_t bang = s.find('!'); bang != std::string_view::npos) {
    uri = s.substr(0, bang);
    std::string_view size = s.substr(bang + 1);
    if (!size.empty() &&
        (size.back() == 'k' || size.back() == 'm' || size.back() == 'g' || size.back() == 't' ||
         size.back() == 'K' || size.back() == 'M' || size.back() == 'G' || size.back() == 'T')) {
      size.remove_suffix(1);
    }
    uint64_t n = 0;
    if (!parse_uint(size, UINT32_MAX, n)) return false;
  }
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == uri.size()) return false;
  if (!is_alpha(uri[0])) return false;
  for (size_t i = 0; i < colon; ++i) {
    char c = uri[i];
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  for (char c : uri) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
  }
  return true;
}

void parse_uris(std::string_view name, std::string_view value, std::vector<std::string>& out,
                std::vector<std::string>& warnings) {
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string_view item =
        trim(value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!valid_report_uri(item)) {
      warnings.push_back(std::string(name) + ": invalid URI ignored");
    } else if (out.size() >= kMaxReportUris) {
      warnings.push_back(std::string(name) + ": more than " + std::to_string(kMaxReportUris) +
                         " URIs, rest ignored");
      break;
    } else {
      out.emplace_back(item);
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}

// fo = ("0" / "1" / "d" / "s") *(":" ("0" / "1" / "d" / "s"))
bool valid_fo(std::string_view s) {
  if (s.empty()) return false;
  bool want_option = true;
  for (char c : s) {
    if (want_option) {
      if (c != '0' && c != '1' && c != 'd' && c != 's') return false;
      want_option = false;
    } else {
      if (c != ':') return false;
      want_option = true;
    }
  }
  return !want_option;
}

// "v" [WSP] "=" [WSP] "DMARC1", then the end, WSP or ';'. Returns the length consumed or 0.
size_t version_prefix(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && is_wsp(text[i])) ++i;
  if (i >= text.size() || (text[i] != 'v' && text[i] != 'V')) return 0;
  ++i;
  while (i < text.size() && is_wsp(text[i])) ++i;
  if (i >= text.size() || text[i] != '=') return 0;
  ++i;
  while (i < text.size() && is_wsp(text[i])) ++i;
  if (text.substr(i, 6) != "DMARC1") return 0;
  i += 6;
  size_t j = i;
  while (j < text.size() && is_wsp(text[j])) ++j;
  if (j < text.size() && text[j] != ';') return 0;
  return i;
}

}  // namespace

const char* to_string(DmarcPolicy p) {
  switch (p) {
    case DmarcPolicy::none:
      return "none";
    case DmarcPolicy::quarantine:
      return "quarantine";
    case DmarcPolicy::reject:
      return "reject";
  }
  return "none";
}

const char* to_string(DmarcAlign a) { return a == DmarcAlign::strict ? "s" : "r"; }

char to_char(DmarcPsd p) {
  switch (p) {
    case DmarcPsd::yes:
      return 'y';
    case DmarcPsd::no:
      return 'n';
    case DmarcPsd::unset:
      break;
  }
  return 'u';
}

bool is_dmarc_record(std::string_view text) { return version_prefix(text) != 0; }

namespace {

// What the tags said about the policies, settled once every tag is read (settle_policy).
struct PolicyTags {
  std::optional<DmarcPolicy> p;
  bool p_seen = false;
  std::string bad_subdomain_policy;  // "sp" or "np" when one had an invalid value
};

// One tag (name lower-cased, value trimmed) into the record. An invalid value is a warning and
// leaves the member unset; unknown tags are ignored (RFC 9989: extensions are new tags).
void apply_tag(const std::string& name, std::string_view value, DmarcRecord& rec, PolicyTags& pol) {
  auto bad = [&] { rec.warnings.push_back(name + ": invalid value ignored"); };
  uint64_t n = 0;
  if (name == "p") {
    pol.p_seen = true;
    pol.p = parse_policy(value);
  } else if (name == "sp" || name == "np") {
    if (auto v = parse_policy(value)) {
      (name == "sp" ? rec.sp : rec.np) = *v;
    } else {
      pol.bad_subdomain_policy = name;
    }
  } else if (name == "psd") {
    std::string v = ascii_lower(value);
    if (v == "y") {
      rec.psd = DmarcPsd::yes;
    } else if (v == "n") {
      rec.psd = DmarcPsd::no;
    } else if (v == "u") {
      rec.psd = DmarcPsd::unset;
    } else {
      bad();
    }
  } else if (name == "t") {
    std::string v = ascii_lower(value);
    if (v == "y" || v == "n") {
      rec.testing = v == "y";
      rec.t_given = true;
    } else {
      bad();
    }
  } else if (name == "pct") {
    if (parse_uint(value, 100, n)) {
      rec.pct = static_cast<int>(n);
    } else {
      bad();
    }
  } else if (name == "adkim" || name == "aspf") {
    if (auto v = parse_align(value)) {
      (name == "adkim" ? rec.adkim : rec.aspf) = *v;
    } else {
      bad();
    }
  } else if (name == "rua" || name == "ruf") {
    parse_uris(name, value, name == "rua" ? rec.rua : rec.ruf, rec.warnings);
  } else if (name == "fo") {
    std::string v = ascii_lower(value);
    if (valid_fo(v)) {
      rec.fo = v;
    } else {
      bad();
    }
  } else if (name == "rf") {
    rec.rf = ascii_lower(value);
  } else if (name == "ri") {
    if (parse_uint(value, UINT32_MAX, n)) {
      rec.ri = static_cast<uint32_t>(n);
    } else {
      bad();
    }
  }
}

// p, with RFC 9989's rule for a missing or invalid p (or sp / np) beside a valid rua.
Result<void> settle_policy(DmarcRecord& rec, const PolicyTags& pol) {
  if (pol.p && pol.bad_subdomain_policy.empty()) {
    rec.p = *pol.p;
    return {};
  }
  const std::string& bad_sub = pol.bad_subdomain_policy;
  if (!rec.rua.empty()) {
    // RFC 9989 (as RFC 7489 6.6.3): no valid p, or an invalid sp / np, with a valid rua: act as if
    // the record had "p=none" (the invalid tag stays unset; valid sp / np are kept).
    std::string why = !bad_sub.empty() ? bad_sub + ": invalid value"
                      : pol.p_seen     ? "p: invalid value"
                                       : "p: missing";
    rec.p = DmarcPolicy::none;
    rec.p_implied = true;
    rec.warnings.push_back(why + ", acting as p=none because rua is present");
    return {};
  }
  std::string why = !bad_sub.empty() ? "invalid " + bad_sub + " tag"
                    : pol.p_seen     ? "invalid p tag"
                                     : "no p tag";
  return Error::perm(why + " and no valid rua");
}

}  // namespace

Result<DmarcRecord> parse_dmarc_record(std::string_view text) {
  if (text.size() > kMaxDmarcRecordBytes) {
    return Error::perm("record longer than " + std::to_string(kMaxDmarcRecordBytes) + " bytes");
  }
  size_t consumed = version_prefix(text);
  if (consumed == 0) return Error::perm("record does not start with v=DMARC1");
  DmarcRecord rec;
  PolicyTags pol;
  std::vector<std::string> seen;
  std::string_view rest = text.substr(consumed);
  size_t tags = 1;
  size_t start = 0;
  while (start < rest.size()) {
    size_t semi = rest.find(';', start);
    std::string_view spec =
        trim(rest.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start));
    start = semi == std::string_view::npos ? rest.size() : semi + 1;
    if (spec.empty()) continue;  // the empty remainder of "v=DMARC1;" or a doubled ';'
    if (++tags > kMaxDmarcTags) return Error::perm("more than " + std::to_string(kMaxDmarcTags) + " tags");
    size_t eq = spec.find('=');
    if (eq == std::string_view::npos) {
      rec.warnings.push_back("a tag without '=' ignored");
      continue;
    }
    std::string_view raw_name = trim(spec.substr(0, eq));
    std::string_view value = trim(spec.substr(eq + 1));
    if (!valid_tag_name(raw_name) || !valid_tag_value(value)) {
      rec.warnings.push_back("a malformed tag ignored");
      continue;
    }
    std::string name = ascii_lower(raw_name);
    for (const auto& s : seen) {
      if (s == name) return Error::perm("tag " + name + " appears more than once");
    }
    if (seen.size() < kMaxDmarcTags) seen.push_back(name);
    if (name == "v") return Error::perm("tag v appears more than once");
    apply_tag(name, value, rec, pol);
  }
  if (!rec.t_given && rec.pct) rec.testing = *rec.pct == 0;
  if (auto settled = settle_policy(rec, pol); !settled) return settled.error();
  return rec;
}

}  // namespace postern
