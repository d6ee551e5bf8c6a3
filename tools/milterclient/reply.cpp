// Implements split_frame and parse_reply. Contract in reply.h.
#include "tools/milterclient/reply.h"

#include "tools/milterclient/protocol.h"

namespace postern::mta {
namespace {

uint32_t be32(std::string_view s, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(s[at])) << 24 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8 |
         static_cast<uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

// Reads a NUL-terminated string at pos; advances pos past the NUL.
Result<std::string> cstring(std::string_view p, size_t& pos, const char* what) {
  if (pos > p.size()) return Error::perm(std::string("missing ") + what);
  size_t nul = p.find('\0', pos);
  if (nul == std::string_view::npos) return Error::perm(std::string(what) + " not NUL-terminated");
  std::string s(p.substr(pos, nul - pos));
  pos = nul + 1;
  return s;
}

Result<void> at_end(std::string_view p, size_t pos, char command) {
  if (pos != p.size()) return Error::perm(std::string("trailing bytes in reply '") + command + "'");
  return ok();
}

Result<Reply> no_payload(ReplyType t, char command, std::string_view p) {
  if (!p.empty()) return Error::perm(std::string("unexpected payload in reply '") + command + "'");
  Reply r;
  r.type = t;
  r.command = command;
  return r;
}

Result<Reply> one_string(ReplyType t, char command, std::string_view p, const char* what) {
  size_t pos = 0;
  auto s = cstring(p, pos, what);
  if (!s) return s.error();
  if (auto e = at_end(p, pos, command); !e) return e.error();
  Reply r;
  r.type = t;
  r.command = command;
  r.value = std::move(*s);
  return r;
}

// address\0 [args\0]: args are optional (libmilter omits them when none were given).
Result<Reply> address_args(ReplyType t, char command, std::string_view p) {
  size_t pos = 0;
  auto a = cstring(p, pos, "address");
  if (!a) return a.error();
  Reply r;
  r.type = t;
  r.command = command;
  r.value = std::move(*a);
  if (pos < p.size()) {
    auto args = cstring(p, pos, "arguments");
    if (!args) return args.error();
    r.args = std::move(*args);
  }
  if (auto e = at_end(p, pos, command); !e) return e.error();
  return r;
}

Result<Reply> header(ReplyType t, char command, std::string_view p, bool indexed) {
  size_t pos = 0;
  Reply r;
  r.type = t;
  r.command = command;
  if (indexed) {
    if (p.size() < 4) return Error::perm("header reply too short for an index");
    r.index = be32(p, 0);
    pos = 4;
  }
  auto name = cstring(p, pos, "header name");
  if (!name) return name.error();
  if (name->empty()) return Error::perm("empty header name");
  auto value = cstring(p, pos, "header value");
  if (!value) return value.error();
  if (auto e = at_end(p, pos, command); !e) return e.error();
  r.name = std::move(*name);
  r.value = std::move(*value);
  return r;
}

Result<Reply> reply_code(char command, std::string_view p) {
  auto r = one_string(ReplyType::reply_code, command, p, "reply text");
  if (!r) return r;
  const std::string& t = r->value;
  if (t.size() > kMaxReplyCodeText) return Error::perm("reply text too long");
  if (t.size() < 3 || (t[0] != '4' && t[0] != '5') || t[1] < '0' || t[1] > '9' || t[2] < '0' || t[2] > '9') {
    return Error::perm("reply code must start with a 4xx or 5xx code");
  }
  if (t.size() > 3 && t[3] != ' ' && t[3] != '-') return Error::perm("reply code not followed by a space");
  r->code = (t[0] - '0') * 100 + (t[1] - '0') * 10 + (t[2] - '0');
  return r;
}

Result<Reply> negotiate(char command, std::string_view p) {
  if (p.size() < 12) return Error::perm("negotiation reply shorter than 12 bytes");
  Reply r;
  r.type = ReplyType::negotiate;
  r.command = command;
  r.negotiation.version = be32(p, 0);
  r.negotiation.actions = be32(p, 4);
  r.negotiation.protocol = be32(p, 8);
  size_t pos = 12;
  while (pos < p.size()) {
    if (r.negotiation.symlists.size() >= kMaxSymlistEntries) return Error::perm("too many macro lists");
    if (p.size() - pos < 4) return Error::perm("truncated macro list stage");
    SymList s;
    s.stage = be32(p, pos);
    pos += 4;
    auto names = cstring(p, pos, "macro list");
    if (!names) return names.error();
    s.macros = std::move(*names);
    r.negotiation.symlists.push_back(std::move(s));
  }
  return r;
}

}  // namespace

Result<std::optional<Frame>> split_frame(std::string_view buf) {
  if (buf.size() < 4) return std::optional<Frame>();
  uint32_t len = be32(buf, 0);
  if (len == 0) return Error::perm("milter sent a packet of length 0");
  if (len > kMaxPacketLength) {
    return Error::perm("milter sent a packet of " + std::to_string(len) + " bytes (limit " +
                       std::to_string(kMaxPacketLength) + ")");
  }
  if (buf.size() - 4 < len) return std::optional<Frame>();
  Frame f;
  f.command = buf[4];
  f.payload = buf.substr(5, len - 1);
  f.size = 4 + static_cast<size_t>(len);
  return std::optional<Frame>(f);
}

Result<Reply> parse_reply(char command, std::string_view p) {
  if (p.size() + 1 > kMaxPacketLength) return Error::perm("reply too long");
  switch (command) {
    case rep::optneg:
      return negotiate(command, p);
    case rep::accept:
      return no_payload(ReplyType::accept, command, p);
    case rep::cont:
      return no_payload(ReplyType::cont, command, p);
    case rep::reject:
      return no_payload(ReplyType::reject, command, p);
    case rep::tempfail:
      return no_payload(ReplyType::tempfail, command, p);
    case rep::discard:
      return no_payload(ReplyType::discard, command, p);
    case rep::skip:
      return no_payload(ReplyType::skip, command, p);
    case rep::progress:
      return no_payload(ReplyType::progress, command, p);
    case rep::conn_fail:
      return no_payload(ReplyType::conn_fail, command, p);
    case rep::shutdown:
      return no_payload(ReplyType::shutdown, command, p);
    case rep::reply_code:
      return reply_code(command, p);
    case rep::quarantine:
      return one_string(ReplyType::quarantine, command, p, "quarantine reason");
    case rep::add_header:
      return header(ReplyType::add_header, command, p, false);
    case rep::ins_header:
      return header(ReplyType::insert_header, command, p, true);
    case rep::chg_header:
      return header(ReplyType::change_header, command, p, true);
    case rep::add_rcpt: {
      auto r = one_string(ReplyType::add_rcpt, command, p, "recipient");
      if (r && r->value.empty()) return Error::perm("empty recipient to add");
      return r;
    }
    case rep::add_rcpt_par: {
      auto r = address_args(ReplyType::add_rcpt_par, command, p);
      if (r && r->value.empty()) return Error::perm("empty recipient to add");
      return r;
    }
    case rep::del_rcpt:
      return one_string(ReplyType::del_rcpt, command, p, "recipient");
    case rep::chg_from:
      return address_args(ReplyType::change_from, command, p);
    case rep::repl_body: {
      Reply r;
      r.type = ReplyType::replace_body;
      r.command = command;
      r.value = std::string(p);
      return r;
    }
    case rep::set_symlist: {
      if (p.size() < 4) return Error::perm("macro list reply too short");
      Reply r;
      r.type = ReplyType::set_symlist;
      r.command = command;
      r.index = be32(p, 0);
      size_t pos = 4;
      auto names = cstring(p, pos, "macro list");
      if (!names) return names.error();
      if (auto e = at_end(p, pos, command); !e) return e.error();
      r.value = std::move(*names);
      return r;
    }
    default:
      break;
  }
  auto c = static_cast<unsigned char>(command);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string shown =
      c >= 0x21 && c < 0x7f ? std::string(1, command) : std::string{'\\', 'x', kHex[c >> 4], kHex[c & 15]};
  return Error::perm("unknown reply '" + shown + "'");
}

Result<std::optional<Reply>> ReplyStream::next() {
  auto f = split_frame(std::string_view(buf_).substr(pos_));
  if (!f) return f.error();
  if (!f->has_value()) {
    buf_.erase(0, pos_);  // keep only the partial packet
    pos_ = 0;
    return std::optional<Reply>();
  }
  const Frame& fr = **f;
  auto r = parse_reply(fr.command, fr.payload);
  pos_ += fr.size;
  if (!r) return r.error();
  return std::optional<Reply>(std::move(*r));
}

}  // namespace postern::mta
