// Implements parse_dmarc_report_line. Contract in report_line.h.
#include "common/dmarc/report_line.h"

#include <deque>
#include <tuple>
#include <utility>

namespace postern {
namespace {

struct JsonValue {
  enum class Kind { string, number, boolean, array, object };
  Kind kind = Kind::string;
  std::string_view text;  // into the line, or into the reader's decoded strings when it had escapes
  int64_t number = 0;
  bool flag = false;
  std::vector<JsonValue> items;        // array items, or object member values
  std::vector<std::string_view> keys;  // object member names, one per item
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  Result<JsonValue> document() {
    auto v = value(0);
    if (!v) return v;
    skip_space();
    if (pos_ != in_.size()) return fail("text after the object");
    if (v->kind != JsonValue::Kind::object) return fail("not a JSON object");
    return v;
  }

 private:
  Error fail(std::string what) const { return Error::perm(what + " at byte " + std::to_string(pos_)); }

  void skip_space() {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t')) ++pos_;
  }

  bool eat(char c) {
    skip_space();
    if (pos_ < in_.size() && in_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // A string's value: a view of the line when it has no escapes (the writer's usual case), else
  // decoded into decoded_, which lives as long as the reader.
  Result<std::string_view> string() {
    if (!eat('"')) return fail("expected a string");
    std::string out;
    bool escaped = false;
    const size_t start = pos_;
    while (pos_ < in_.size()) {
      // The run of plain bytes up to the next quote, backslash or control character, at once.
      size_t run = pos_;
      while (run < in_.size() && in_[run] != '"' && in_[run] != '\\' &&
             static_cast<unsigned char>(in_[run]) >= 0x20)
        ++run;
      if (escaped) out.append(in_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= in_.size()) break;
      char c = in_[pos_++];
      if (c == '"') {
        if (!escaped) return in_.substr(start, pos_ - 1 - start);
        decoded_.push_back(std::move(out));
        return std::string_view(decoded_.back());
      }
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (!escaped) {
        escaped = true;
        out.assign(in_.data() + start, pos_ - 1 - start);
      }
      if (pos_ >= in_.size()) break;
      char e = in_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (in_.size() - pos_ < 4) return fail("short \\u escape");
          int code = 0;
          for (int i = 0; i < 4; ++i) {
            int h = hex(in_[pos_++]);
            if (h < 0) return fail("bad \\u escape");
            code = code * 16 + h;
          }
          if (code > 0xff) return fail("\\u escape above U+00FF");
          out += static_cast<char>(code);
          break;
        }
        default:
          return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }

  Result<JsonValue> value(size_t depth) {
    skip_space();
    if (pos_ >= in_.size()) return fail("unexpected end");
    JsonValue v;
    char c = in_[pos_];
    if (c == '"') {
      auto s = string();
      if (!s) return s.error();
      v.text = *s;
      return v;
    }
    if (c == '{' || c == '[') {
      if (depth >= kMaxReportLineDepth) return fail("nested too deep");
      bool object = c == '{';
      ++pos_;
      v.kind = object ? JsonValue::Kind::object : JsonValue::Kind::array;
      // The writer's line object has about 30 members: one allocation instead of a growing vector.
      const size_t expect = depth == 0 ? kMaxReportLineMembers / 2 : 4;
      v.items.reserve(expect);
      if (object) v.keys.reserve(expect);
      if (eat(object ? '}' : ']')) return v;
      for (;;) {
        if (v.items.size() >= (object ? kMaxReportLineMembers : kMaxReportLineItems))
          return fail(object ? "too many members" : "too many items");
        if (object) {
          auto k = string();
          if (!k) return k.error();
          if (!eat(':')) return fail("expected ':'");
          auto item = value(depth + 1);
          if (!item) return item;
          v.keys.push_back(*k);
          v.items.push_back(std::move(*item));
        } else {
          auto item = value(depth + 1);
          if (!item) return item;
          v.items.push_back(std::move(*item));
        }
        if (eat(',')) continue;
        if (eat(object ? '}' : ']')) return v;
        return fail(object ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
    if (in_.substr(pos_, 4) == "true" || in_.substr(pos_, 5) == "false") {
      v.kind = JsonValue::Kind::boolean;
      v.flag = in_[pos_] == 't';
      pos_ += v.flag ? 4 : 5;
      return v;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
      v.kind = JsonValue::Kind::number;
      bool negative = c == '-';
      if (negative) ++pos_;
      size_t digits = 0;
      uint64_t n = 0;
      while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') {
        if (++digits > 18) return fail("number too long");
        n = n * 10 + static_cast<uint64_t>(in_[pos_++] - '0');
      }
      if (digits == 0) return fail("bad number");
      if (pos_ < in_.size() && (in_[pos_] == '.' || in_[pos_] == 'e' || in_[pos_] == 'E'))
        return fail("not an integer");
      v.number = negative ? -static_cast<int64_t>(n) : static_cast<int64_t>(n);
      return v;
    }
    return fail("unexpected character");
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::deque<std::string> decoded_;  // stable addresses for the views of escaped strings
};

const JsonValue* member(const JsonValue& obj, std::string_view key) {
  for (size_t i = 0; i < obj.keys.size(); ++i) {
    if (obj.keys[i] == key) return &obj.items[i];
  }
  return nullptr;
}

Error bad(std::string_view key, std::string_view what) {
  return Error::perm(std::string(key) + ": " + std::string(what));
}

// A string member; absent -> nullopt when optional, error otherwise.
Result<std::optional<std::string>> text_of(const JsonValue& obj, std::string_view key, bool required) {
  const JsonValue* v = member(obj, key);
  if (!v) {
    if (required) return bad(key, "missing");
    return std::optional<std::string>();
  }
  if (v->kind != JsonValue::Kind::string) return bad(key, "not a string");
  return std::optional<std::string>(std::string(v->text));
}

Result<bool> flag_of(const JsonValue& obj, std::string_view key) {
  const JsonValue* v = member(obj, key);
  if (!v) return false;
  if (v->kind != JsonValue::Kind::boolean) return bad(key, "not true or false");
  return v->flag;
}

std::optional<DmarcPolicy> policy_named(std::string_view s) {
  if (s == "none") return DmarcPolicy::none;
  if (s == "quarantine") return DmarcPolicy::quarantine;
  if (s == "reject") return DmarcPolicy::reject;
  return std::nullopt;
}

std::optional<DmarcResult> result_named(std::string_view s) {
  for (auto r : {DmarcResult::pass, DmarcResult::fail, DmarcResult::none, DmarcResult::temperror,
                 DmarcResult::permerror, DmarcResult::author_error}) {
    if (s == to_string(r)) return r;
  }
  return std::nullopt;
}

std::optional<DmarcOverride> override_named(std::string_view s) {
  for (auto o : {DmarcOverride::none, DmarcOverride::forwarded, DmarcOverride::mailing_list}) {
    if (s == to_string(o)) return o;
  }
  return std::nullopt;
}

bool auth_result(std::string_view s, bool spf) {
  for (const char* r : {"pass", "fail", "neutral", "none", "policy", "temperror", "permerror"}) {
    if (s == r) return true;
  }
  return spf && s == "softfail";
}

Error unknown(std::string_view key, std::string_view value) {
  return bad(key, "unknown value \"" + std::string(value.substr(0, 64)) + "\"");
}

// The line without its line ending, for a Reader (whose views the document holds).
std::string_view trim_line(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::string dmarc_report_line_domain(std::string_view line) {
  if (line.size() > kMaxReportLineBytes) return std::string();
  Reader reader(trim_line(line));
  auto doc = reader.document();
  if (!doc) return std::string();
  const JsonValue* d = member(*doc, "policy_domain");
  return d && d->kind == JsonValue::Kind::string ? std::string(d->text) : std::string();
}

namespace {

// envelope_to: an array of domains, or one string in lines written before it was an array.
Result<void> read_envelope_to(const JsonValue& o, DmarcLogEntry& e) {
  const JsonValue* to = member(o, "envelope_to");
  if (!to) return {};
  if (to->kind == JsonValue::Kind::string) {  // a line from before it was an array
    if (!to->text.empty()) e.envelope_to.emplace_back(to->text);
    return {};
  }
  if (to->kind != JsonValue::Kind::array) return bad("envelope_to", "not a string or an array");
  for (const auto& d : to->items) {
    if (d.kind != JsonValue::Kind::string) return bad("envelope_to", "not an array of strings");
    if (!d.text.empty()) e.envelope_to.emplace_back(d.text);
  }
  return {};
}

// spf: {domain, result, scope, aligned}.
Result<void> read_spf(const JsonValue& o, DmarcLogEntry& e) {
  const JsonValue* spf = member(o, "spf");
  if (!spf || spf->kind != JsonValue::Kind::object) return bad("spf", "missing or not an object");
  auto d = text_of(*spf, "domain", true);
  if (!d) return Error::perm("spf." + d.error().message);
  auto r = text_of(*spf, "result", true);
  if (!r) return Error::perm("spf." + r.error().message);
  auto s = text_of(*spf, "scope", false);
  if (!s) return Error::perm("spf." + s.error().message);
  auto a = flag_of(*spf, "aligned");
  if (!a) return Error::perm("spf." + a.error().message);
  if (!auth_result(**r, true)) return unknown("spf.result", **r);
  e.spf_domain = **d;
  e.spf_result = **r;
  if (*s && **s == "helo")
    e.spf_scope = DmarcSpfScope::helo;
  else if (*s && **s != "mfrom")
    return unknown("spf.scope", **s);
  e.spf_aligned = *a;
  return {};
}

// dkim: an array of {domain, selector, result, aligned}.
Result<void> read_dkim(const JsonValue& o, DmarcLogEntry& e) {
  const JsonValue* dkim = member(o, "dkim");
  if (!dkim || dkim->kind != JsonValue::Kind::array) return bad("dkim", "missing or not an array");
  for (const auto& item : dkim->items) {
    if (item.kind != JsonValue::Kind::object) return bad("dkim", "not an array of objects");
    auto d = text_of(item, "domain", true);
    if (!d) return Error::perm("dkim." + d.error().message);
    auto s = text_of(item, "selector", false);
    if (!s) return Error::perm("dkim." + s.error().message);
    auto r = text_of(item, "result", true);
    if (!r) return Error::perm("dkim." + r.error().message);
    auto a = flag_of(item, "aligned");
    if (!a) return Error::perm("dkim." + a.error().message);
    if (!auth_result(**r, false)) return unknown("dkim.result", **r);
    e.dkim.push_back({**d, s->value_or(""), **r, *a});
  }
  return {};
}

}  // namespace

Result<DmarcLogEntry> parse_dmarc_report_line(std::string_view line) {
  if (line.size() > kMaxReportLineBytes) return Error::perm("line too long");
  Reader reader(trim_line(line));
  auto doc = reader.document();
  if (!doc) return doc.error();
  const JsonValue& o = *doc;
  DmarcLogEntry e;

  const JsonValue* time = member(o, "time");
  if (!time || time->kind != JsonValue::Kind::number || time->number < 0)
    return bad("time", "missing or not a time");
  e.time = time->number;

#define POSTERN_TEXT(var, key, required) \
  std::optional<std::string> var;        \
  {                                      \
    auto t = text_of(o, key, required);  \
    if (!t) return t.error();            \
    var = std::move(*t);                 \
  }
  POSTERN_TEXT(ip, "ip", true)
  POSTERN_TEXT(header_from, "header_from", true)
  POSTERN_TEXT(dmarc, "dmarc", true)
  POSTERN_TEXT(policy_domain, "policy_domain", true)
  POSTERN_TEXT(org_domain, "org_domain", false)
  POSTERN_TEXT(p, "p", false)
  POSTERN_TEXT(sp, "sp", false)
  POSTERN_TEXT(np, "np", false)
  POSTERN_TEXT(adkim, "adkim", false)
  POSTERN_TEXT(aspf, "aspf", false)
  POSTERN_TEXT(testing, "testing", false)
  POSTERN_TEXT(fo, "fo", false)
  POSTERN_TEXT(policy, "policy", false)
  POSTERN_TEXT(applied, "applied", true)
  POSTERN_TEXT(override_reason, "override", false)
  POSTERN_TEXT(disposition, "disposition", true)
  POSTERN_TEXT(envelope_from, "envelope_from", false)
  POSTERN_TEXT(reason, "reason", false)
#undef POSTERN_TEXT

  e.ip = *ip;
  e.header_from = *header_from;
  e.policy_domain = *policy_domain;
  e.org_domain = org_domain.value_or("");
  if (auto r = result_named(*dmarc))
    e.dmarc = *r;
  else
    return unknown("dmarc", *dmarc);
  if (p) {
    auto pp = policy_named(*p);
    if (!pp) return unknown("p", *p);
    e.has_record = true;
    e.p = *pp;
    for (auto [val, out, name] : {std::tuple{&sp, &e.sp, "sp"}, std::tuple{&np, &e.np, "np"}}) {
      if (!*val || (*val)->empty()) continue;
      auto x = policy_named(**val);
      if (!x) return unknown(name, **val);
      *out = *x;
    }
    for (auto [val, out, name] :
         {std::tuple{&adkim, &e.adkim, "adkim"}, std::tuple{&aspf, &e.aspf, "aspf"}}) {
      if (!*val || **val == "r") continue;
      if (**val != "s") return unknown(name, **val);
      *out = DmarcAlign::strict;
    }
    if (testing && *testing != "n" && *testing != "y") return unknown("testing", *testing);
    e.testing = testing && *testing == "y";
    e.fo = fo.value_or("");
    if (const JsonValue* rua = member(o, "rua")) {
      if (rua->kind != JsonValue::Kind::array) return bad("rua", "not an array");
      for (const auto& u : rua->items) {
        if (u.kind != JsonValue::Kind::string) return bad("rua", "not an array of strings");
        e.rua.emplace_back(u.text);
      }
    }
  }
  if (policy && !policy->empty()) {
    e.policy = policy_named(*policy);
    if (!e.policy) return unknown("policy", *policy);
  }
  if (auto a = policy_named(*applied))
    e.applied = *a;
  else
    return unknown("applied", *applied);
  if (override_reason) {
    auto x = override_named(*override_reason);
    if (!x) return unknown("override", *override_reason);
    e.override_reason = *x;
  }
  if (auto d = policy_named(*disposition))
    e.disposition = *d;
  else
    return unknown("disposition", *disposition);
  e.envelope_from_known = envelope_from.has_value();
  e.envelope_from = envelope_from.value_or("");
  if (auto to = read_envelope_to(o, e); !to) return to.error();
  e.reason = reason.value_or("");

  if (auto sp = read_spf(o, e); !sp) return sp.error();
  if (auto dk = read_dkim(o, e); !dk) return dk.error();
  return e;
}

}  // namespace postern
