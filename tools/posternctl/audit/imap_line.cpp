// Implements parse_imap_line and parse_pop3_line. Contract in imap_line.h.
#include "tools/posternctl/audit/imap_line.h"

namespace postern::audit {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool atom_char(char c) {
  return c > ' ' && c < 127 && c != '(' && c != ')' && c != '{' && c != '"' && c != '\\';
}

Result<void> take_caps(std::string_view s, std::vector<std::string>& out) {
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t st = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i == st) continue;
    if (out.size() >= kMaxImapCapabilities) return Error::perm("more than kMaxImapCapabilities capabilities");
    out.push_back(upper(s.substr(st, i - st)));
  }
  return ok();
}

}  // namespace

bool ImapLine::has_capability(std::string_view cap) const {
  std::string u = upper(cap);
  for (const auto& c : capabilities)
    if (c == u) return true;
  return false;
}

Result<ImapLine> parse_imap_line(std::string_view line) {
  if (line.size() > kMaxImapLineBytes) return Error::perm("IMAP line longer than kMaxImapLineBytes");
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ImapLine r;
  size_t sp = line.find(' ');
  r.tag = std::string(line.substr(0, sp));
  if (r.tag.empty()) return Error::perm("not an IMAP response line");
  for (char c : r.tag)
    if (!atom_char(c) && c != '*' && c != '+') return Error::perm("not an IMAP response line");
  if (r.tag == "+") return r;
  if (sp == std::string_view::npos) return Error::perm("not an IMAP response line");
  std::string_view rest = line.substr(sp + 1);
  size_t sp2 = rest.find(' ');
  std::string word = upper(rest.substr(0, sp2));
  std::string_view after = sp2 == std::string_view::npos ? std::string_view() : rest.substr(sp2 + 1);
  if (word == "OK")
    r.status = ImapStatus::ok;
  else if (word == "NO")
    r.status = ImapStatus::no;
  else if (word == "BAD")
    r.status = ImapStatus::bad;
  else if (word == "PREAUTH")
    r.status = ImapStatus::preauth;
  else if (word == "BYE")
    r.status = ImapStatus::bye;
  else if (word == "CAPABILITY" && r.tag == "*") {
    if (auto c = take_caps(after, r.capabilities); !c) return c.error();
    return r;
  }
  if (r.status != ImapStatus::none && !after.empty() && after.front() == '[') {
    size_t close = after.find(']');
    if (close == std::string_view::npos) return Error::perm("unterminated response code");
    std::string_view code = after.substr(1, close - 1);
    if (upper(code.substr(0, 11)) == "CAPABILITY " || upper(code) == "CAPABILITY") {
      if (auto c = take_caps(code.substr(std::min<size_t>(code.size(), 11)), r.capabilities); !c)
        return c.error();
    }
  }
  return r;
}

Result<Pop3Status> parse_pop3_line(std::string_view line) {
  if (line.size() > kMaxImapLineBytes) return Error::perm("POP3 line longer than kMaxImapLineBytes");
  if (line.substr(0, 3) == "+OK") return Pop3Status::ok;
  if (line.substr(0, 4) == "-ERR") return Pop3Status::err;
  return Error::perm("not a POP3 status line");
}

}  // namespace postern::audit
