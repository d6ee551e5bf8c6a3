// Implements parse_address_list and parse_envelope_address. Contract in address.h.
// Two passes: a tokenizer (atoms, quoted strings, domain literals, specials; comments and white
// space dropped) and a recursive-descent parser over the tokens.
#include "common/mail/address.h"

#include <algorithm>

#include "common/mail/idna.h"

namespace postern {
namespace {

enum class Tok { atom, qstring, dliteral, dot, lt, gt, at, comma, colon, semicolon, end };

struct Token {
  Tok kind;
  std::string text;
};

bool is_atext(unsigned char c) {
  if (c >= 0x80) return true;  // RFC 6532 UTF-8
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  static const std::string_view extra = "!#$%&'*+-/=?^_`{|}~";
  return extra.find(static_cast<char>(c)) != std::string_view::npos;
}

// A comment from the '(' at i, nested at most kMaxCommentDepth deep; i ends after its ')'.
Result<void> skip_comment(std::string_view s, size_t& i) {
  size_t depth = 0;
  do {
    char d = s[i];
    if (d == '\\') {
      if (i + 1 >= s.size()) return Error::perm("backslash at the end of a comment");
      i += 2;
      continue;
    }
    if (d == '(') {
      if (++depth > kMaxCommentDepth) return Error::perm("comments nested too deeply");
    } else if (d == ')') {
      --depth;
    } else if (static_cast<unsigned char>(d) < 0x20 && d != '\t' && d != '\r' && d != '\n') {
      return Error::perm("control character in a comment");
    }
    ++i;
  } while (depth > 0 && i < s.size());
  if (depth > 0) return Error::perm("unbalanced parenthesis");
  return {};
}

// A quoted string from the '"' at i, unescaped and unfolded; i ends after the closing quote.
Result<std::string> read_quoted(std::string_view s, size_t& i) {
  std::string text;
  ++i;
  while (i < s.size()) {
    char d = s[i];
    if (d == '\\') {
      if (i + 1 >= s.size()) break;
      text.push_back(s[i + 1]);
      i += 2;
      continue;
    }
    if (d == '"') {
      ++i;
      return text;
    }
    if (d == '\r' || d == '\n') {  // folding inside a quoted string
      ++i;
      continue;
    }
    if (static_cast<unsigned char>(d) < 0x20 && d != '\t')
      return Error::perm("control character in a quoted string");
    text.push_back(d);
    ++i;
  }
  return Error::perm("unbalanced quote");
}

Result<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++i;
    } else if (c == '(') {
      if (auto skipped = skip_comment(s, i); !skipped) return skipped.error();
    } else if (c == '"') {
      auto text = read_quoted(s, i);
      if (!text) return text.error();
      out.push_back({Tok::qstring, std::move(*text)});
    } else if (c == '[') {
      size_t close = s.find(']', i);
      if (close == std::string_view::npos) return Error::perm("unbalanced bracket");
      std::string_view lit = s.substr(i, close - i + 1);
      if (lit.find('[', 1) != std::string_view::npos || lit.find('\\') != std::string_view::npos) {
        return Error::perm("bad domain literal");
      }
      out.push_back({Tok::dliteral, std::string(lit)});
      i = close + 1;
    } else if (is_atext(c)) {
      size_t start = i;
      while (i < s.size() && is_atext(static_cast<unsigned char>(s[i]))) ++i;
      out.push_back({Tok::atom, std::string(s.substr(start, i - start))});
    } else {
      Tok k;
      switch (c) {
        case '.':
          k = Tok::dot;
          break;
        case '<':
          k = Tok::lt;
          break;
        case '>':
          k = Tok::gt;
          break;
        case '@':
          k = Tok::at;
          break;
        case ',':
          k = Tok::comma;
          break;
        case ':':
          k = Tok::colon;
          break;
        case ';':
          k = Tok::semicolon;
          break;
        case ')':
          return Error::perm("unbalanced parenthesis");
        case ']':
          return Error::perm("unbalanced bracket");
        default:
          return Error::perm(c < 0x20 || c == 0x7f
                                 ? "control character"
                                 : std::string("unexpected '") + static_cast<char>(c) + "'");
      }
      out.push_back({k, std::string(1, static_cast<char>(c))});
      ++i;
    }
  }
  out.push_back({Tok::end, ""});
  return out;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> t) : t_(std::move(t)) {}

  Result<std::vector<MailAddress>> address_list() {
    std::vector<MailAddress> out;
    while (true) {
      while (peek() == Tok::comma) ++p_;  // empty list elements (obs-addr-list)
      if (peek() == Tok::end) break;
      if (auto r = address(out); !r) return r.error();
      if (out.size() > kMaxAddresses)
        return Error::perm("more than " + std::to_string(kMaxAddresses) + " addresses");
      if (peek() == Tok::end) break;
      if (peek() != Tok::comma) return Error::perm("unexpected '" + t_[p_].text + "' after an address");
    }
    return out;
  }

  Result<MailAddress> single_addr_spec() {
    MailAddress a;
    if (auto r = addr_spec(a); !r) return r.error();
    if (peek() != Tok::end) return Error::perm("text after the address");
    return a;
  }

 private:
  Tok peek(size_t ahead = 0) const { return t_[std::min(p_ + ahead, t_.size() - 1)].kind; }

  // phrase := 1*(atom | qstring | '.')  (obs-phrase allows dots)
  std::string phrase() {
    std::string out;
    while (peek() == Tok::atom || peek() == Tok::qstring || (peek() == Tok::dot && !out.empty())) {
      if (!out.empty() && peek() != Tok::dot && t_[p_ - 1].kind != Tok::dot) out.push_back(' ');
      out += t_[p_++].text;
    }
    return out;
  }

  Result<void> address(std::vector<MailAddress>& out) {
    // Look ahead: a phrase followed by ':' is a group; by '<' a name-addr; by '@' or '.' an addr-spec.
    size_t save = p_;
    std::string name = phrase();
    if (peek() == Tok::colon && !name.empty()) {
      ++p_;
      while (true) {
        while (peek() == Tok::comma) ++p_;
        if (peek() == Tok::semicolon) {
          ++p_;
          return {};
        }
        if (peek() == Tok::end) return Error::perm("group without ';'");
        MailAddress a;
        if (auto r = mailbox(a); !r) return r;
        a.group = name;
        out.push_back(std::move(a));
        if (out.size() > kMaxAddresses) return Error::perm("too many addresses");
        if (peek() != Tok::comma && peek() != Tok::semicolon)
          return Error::perm("unexpected text in a group");
      }
    }
    p_ = save;
    MailAddress a;
    if (auto r = mailbox(a); !r) return r;
    out.push_back(std::move(a));
    return {};
  }

  Result<void> mailbox(MailAddress& a) {
    size_t save = p_;
    std::string name = phrase();
    if (peek() == Tok::lt) {
      ++p_;
      // obs-route: "@a.example,@b.example:" before the address
      if (peek() == Tok::at) {
        while (peek() == Tok::at || peek() == Tok::comma) {
          if (peek() == Tok::comma) {
            ++p_;
            continue;
          }
          ++p_;
          std::string ignored;
          if (auto r = domain(ignored); !r) return r;
        }
        if (peek() != Tok::colon) return Error::perm("bad route in angle address");
        ++p_;
      }
      if (auto r = addr_spec(a); !r) return r;
      if (peek() != Tok::gt) return Error::perm("'>' expected after the address");
      ++p_;
      a.display_name = name;
      // Whatever follows must end this address: "<a@evil.example>@good.example" is rejected here.
      if (peek() != Tok::end && peek() != Tok::comma && peek() != Tok::semicolon) {
        return Error::perm("text after an angle address");
      }
      return {};
    }
    p_ = save;
    if (auto r = addr_spec(a); !r) return r;
    if (peek() != Tok::end && peek() != Tok::comma && peek() != Tok::semicolon) {
      return Error::perm(peek() == Tok::lt ? "an address in a display name before '<'"
                                           : "text after the address");
    }
    return {};
  }

  Result<void> addr_spec(MailAddress& a) {
    // local-part := word *("." word)
    std::string local;
    bool quoted = false;
    while (true) {
      if (peek() == Tok::atom) {
        local += t_[p_++].text;
      } else if (peek() == Tok::qstring) {
        local += t_[p_++].text;
        quoted = true;
      } else {
        return Error::perm(local.empty() ? "missing local part" : "bad local part");
      }
      if (peek() != Tok::dot) break;
      local.push_back('.');
      ++p_;
    }
    if (peek() != Tok::at) return Error::perm("missing '@' and domain");
    ++p_;
    std::string dom;
    if (auto r = domain(dom); !r) return r;
    if (local.empty()) return Error::perm("empty local part");
    if (local.size() > kMaxLocalPart) return Error::perm("local part too long");
    a.local_part = std::move(local);
    a.quoted_local = quoted;
    a.domain = std::move(dom);
    return {};
  }

  Result<void> domain(std::string& out) {
    if (peek() == Tok::dliteral) {
      out = t_[p_++].text;
      return {};
    }
    if (peek() != Tok::atom) return Error::perm("missing domain");
    out = t_[p_++].text;
    while (peek() == Tok::dot) {
      ++p_;
      if (peek() != Tok::atom) return Error::perm("bad domain");
      out += "." + t_[p_++].text;
    }
    if (out.size() > kMaxDomain) return Error::perm("domain too long");
    return {};
  }

  std::vector<Token> t_;
  size_t p_ = 0;
};

}  // namespace

std::string MailAddress::ascii_domain() const {
  auto a = domain_to_alabels(domain);
  return a ? std::move(*a) : std::string();
}

Result<std::vector<MailAddress>> parse_address_list(std::string_view value) {
  if (value.size() > kMaxAddressHeader)
    return Error::perm("header longer than " + std::to_string(kMaxAddressHeader));
  auto tokens = tokenize(value);
  if (!tokens) return tokens.error();
  Parser p(std::move(*tokens));
  return p.address_list();
}

Result<MailAddress> parse_envelope_address(std::string_view text) {
  if (text.size() > kMaxLocalPart + kMaxDomain + 16) return Error::perm("envelope address too long");
  std::string_view s = text;
  if (s.size() >= 2 && s.front() == '<' && s.back() == '>') s = s.substr(1, s.size() - 2);
  if (s.empty()) return MailAddress{};
  if (s.front() == '@') {  // source route "@a,@b:local@domain"
    size_t colon = s.find(':');
    if (colon == std::string_view::npos) return Error::perm("bad source route");
    s = s.substr(colon + 1);
  }
  auto tokens = tokenize(s);
  if (!tokens) return tokens.error();
  Parser p(std::move(*tokens));
  return p.single_addr_spec();
}

}  // namespace postern
