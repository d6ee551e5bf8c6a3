// Implements the MTA side of a milter connection. Contract in session.h.
#include "tools/milterclient/session.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "common/net/ip.h"

namespace postern::mta {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

struct FlagName {
  uint32_t bit;
  const char* name;
};

constexpr FlagName kActionNames[] = {
    {act::add_headers, "add-headers"},
    {act::change_body, "change-body"},
    {act::add_rcpt, "add-rcpt"},
    {act::del_rcpt, "delete-rcpt"},
    {act::change_headers, "change-headers"},
    {act::quarantine, "quarantine"},
    {act::change_from, "change-from"},
    {act::add_rcpt_par, "add-rcpt-with-args"},
    {act::set_symlist, "set-macro-lists"},
};

constexpr FlagName kProtocolNames[] = {
    {proto::no_connect, "no-connect"},
    {proto::no_helo, "no-helo"},
    {proto::no_mail, "no-mail"},
    {proto::no_rcpt, "no-rcpt"},
    {proto::no_body, "no-body"},
    {proto::no_headers, "no-headers"},
    {proto::no_eoh, "no-eoh"},
    {proto::nr_header, "nr-header"},
    {proto::no_unknown, "no-unknown"},
    {proto::no_data, "no-data"},
    {proto::skip, "skip"},
    {proto::rcpt_rej, "rejected-rcpts"},
    {proto::nr_connect, "nr-connect"},
    {proto::nr_helo, "nr-helo"},
    {proto::nr_mail, "nr-mail"},
    {proto::nr_rcpt, "nr-rcpt"},
    {proto::nr_data, "nr-data"},
    {proto::nr_unknown, "nr-unknown"},
    {proto::nr_eoh, "nr-eoh"},
    {proto::nr_body, "nr-body"},
    {proto::header_leading_space, "header-leading-space"},
};

template <size_t N>
std::vector<std::string> names_of(uint32_t bits, const FlagName (&table)[N]) {
  std::vector<std::string> out;
  uint32_t known = 0;
  for (const auto& f : table) {
    known |= f.bit;
    if (bits & f.bit) out.emplace_back(f.name);
  }
  if (bits & ~known) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%x", bits & ~known);
    out.emplace_back(buf);
  }
  return out;
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

// Which action flag a modification needs.
uint32_t action_needed(ReplyType t) {
  switch (t) {
    case ReplyType::add_header:
    case ReplyType::insert_header:
      return act::add_headers;
    case ReplyType::change_header:
      return act::change_headers;
    case ReplyType::add_rcpt:
      return act::add_rcpt;
    case ReplyType::add_rcpt_par:
      return act::add_rcpt_par;
    case ReplyType::del_rcpt:
      return act::del_rcpt;
    case ReplyType::change_from:
      return act::change_from;
    case ReplyType::replace_body:
      return act::change_body;
    case ReplyType::quarantine:
      return act::quarantine;
    default:
      return 0;
  }
}

std::string shown_command(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string(1, c);
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", u);
  return buf;
}

// Applies a reply to a stage that is not end of body. Returns true when it ends the message (or
// the connection), false to go on.
Result<bool> stage_reply(const Reply& r, const char* stage, Verdict& v) {
  v.stage = stage;
  switch (r.type) {
    case ReplyType::cont:
      return false;
    case ReplyType::accept:
      v.action = Action::accept;
      return true;
    case ReplyType::reject:
      v.action = Action::reject;
      return true;
    case ReplyType::tempfail:
    case ReplyType::conn_fail:
    case ReplyType::shutdown:
      v.action = Action::tempfail;
      return true;
    case ReplyType::reply_code:
      v.action = r.code >= 500 ? Action::reject : Action::tempfail;
      v.reply = r.value;
      return true;
    case ReplyType::discard:
      v.action = Action::discard;
      return true;
    default:
      return Error::perm("milter sent '" + shown_command(r.command) + "' in reply to " + stage);
  }
}

Result<IpAddress> client_address(const std::string& text) { return IpAddress::parse(text); }

}  // namespace

std::vector<std::string> action_names(uint32_t actions) { return names_of(actions, kActionNames); }
std::vector<std::string> protocol_names(uint32_t protocol) { return names_of(protocol, kProtocolNames); }

Result<std::unique_ptr<Connection>> Connection::open(const ClientOptions& options) {
  if (options.chunk_size < 1 || options.chunk_size > kMaxBodyChunk) {
    return Error::perm("body chunk size must be 1 to 65535");
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  const SocketSpec& s = options.milter;
  if (s.unix_socket) {
    auto* a = reinterpret_cast<sockaddr_un*>(&ss);
    a->sun_family = AF_UNIX;
    if (s.path.size() >= sizeof a->sun_path) return Error::perm("unix socket path too long");
    std::memcpy(a->sun_path, s.path.c_str(), s.path.size() + 1);
    len = sizeof *a;
  } else {
    auto ip = IpAddress::parse(s.host);
    if (!ip) return Error::perm("bad milter host " + s.host);
    if (ip->v6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
      a->sin6_family = AF_INET6;
      a->sin6_port = htons(static_cast<uint16_t>(s.port));
      std::memcpy(&a->sin6_addr, ip->bytes.data(), 16);
      len = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&ss);
      a->sin_family = AF_INET;
      a->sin_port = htons(static_cast<uint16_t>(s.port));
      std::memcpy(&a->sin_addr, ip->bytes.data(), 4);
      len = sizeof *a;
    }
  }
  int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::temp(errno_text("socket"));
  std::unique_ptr<Connection> c(new Connection(fd, options));
  if (!s.unix_socket) {
    // Our writes are small packets, several before a reply is due (macros, headers with no
    // reply): without TCP_NODELAY, Nagle's algorithm meets the milter's delayed ACKs (a 40 ms stall a
    // message).
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  Deadline deadline = Deadline::after(options.read_timeout);
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS && errno != EAGAIN) {
      return Error::temp("cannot connect to " + s.str() + ": " + std::strerror(errno));
    }
    pollfd p{fd, POLLOUT, 0};
    int rc;
    do {
      rc = poll(&p, 1, deadline.remaining_ms());
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) return Error::temp("connecting to " + s.str() + " timed out");
    int err = 0;
    socklen_t el = sizeof err;
    if (rc < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
      return Error::temp(errno_text("connect"));
    if (err != 0) return Error::temp("cannot connect to " + s.str() + ": " + std::strerror(err));
  }
  if (auto n = c->negotiate(); !n) return n.error();
  return c;
}

Connection::~Connection() {
  if (fd_ >= 0) close(fd_);
}

void Connection::quit() {
  if (fd_ < 0) return;
  std::string q = encode_command(cmd::quit);
  (void)::send(fd_, q.data(), q.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  close(fd_);
  fd_ = -1;
  reusable_ = false;
}

Result<void> Connection::send(const std::string& bytes, const Deadline& message_deadline) {
  if (fd_ < 0) return Error::temp("connection closed");
  Deadline deadline = Deadline::after(options_.read_timeout).earlier(message_deadline);
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd p{fd_, POLLOUT, 0};
      int rc = poll(&p, 1, deadline.remaining_ms());
      if (rc == 0) return Error::temp("milter did not read what we sent within the timeout");
      if (rc < 0 && errno != EINTR) return Error::temp(errno_text("poll"));
      continue;
    }
    return Error::temp(errno_text("writing to the milter"));
  }
  return ok();
}

Result<Reply> Connection::read_reply(const char* waiting_for, const Deadline& message_deadline) {
  if (fd_ < 0) return Error::temp("connection closed");
  Deadline deadline = Deadline::after(options_.read_timeout).earlier(message_deadline);
  for (;;) {
    auto r = in_.next();
    if (!r) return Error::perm("in reply to " + std::string(waiting_for) + ": " + r.error().message);
    if (r->has_value()) {
      if ((*r)->type == ReplyType::progress) {
        deadline = Deadline::after(options_.read_timeout).earlier(message_deadline);
        continue;
      }
      return std::move(**r);
    }
    pollfd p{fd_, POLLIN, 0};
    int rc = poll(&p, 1, deadline.remaining_ms());
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) return Error::temp(errno_text("poll"));
    if (rc == 0) {
      bool whole = message_deadline.expired();
      return Error::temp(std::string("milter did not answer ") + waiting_for + " within the " +
                         (whole ? "message timeout" : "read timeout"));
    }
    char buf[kReadChunk];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n < 0) return Error::temp(errno_text("reading from the milter"));
    if (n == 0) return Error::temp(std::string("milter closed the connection waiting for ") + waiting_for);
    in_.append(std::string_view(buf, static_cast<size_t>(n)));
  }
}

Result<void> Connection::negotiate() {
  Deadline deadline = Deadline::after(options_.read_timeout);
  if (auto s = send(encode_optneg(kProtocolVersion, options_.actions, options_.protocol), deadline); !s) {
    return s.error();
  }
  auto r = read_reply("option negotiation", deadline);
  if (!r) return r.error();
  if (r->type != ReplyType::negotiate) {
    return Error::perm("milter answered option negotiation with '" + shown_command(r->command) + "'");
  }
  const Negotiation& n = r->negotiation;
  if (n.version < 2 || n.version > kProtocolVersion) {
    return Error::perm("milter speaks protocol version " + std::to_string(n.version) + " (need 2 to 6)");
  }
  if (n.actions & ~options_.actions) return Error::perm("milter asks for actions we did not offer");
  if (n.protocol & ~options_.protocol) return Error::perm("milter asks for protocol steps we did not offer");
  negotiated_ = n;
  return ok();
}

// One message through the milter: the stages in order, sharing the message's deadline, its queue
// id and the verdict so far. Each stage returns true when the milter's reply ended the message
// (the abort already sent when the transaction was open).
class Connection::Transaction {
 public:
  Transaction(Connection& c, const Envelope& env, const Message& msg)
      : c_(c),
        env_(env),
        msg_(msg),
        deadline_(Deadline::after(c.options_.message_timeout)),
        pf_(c.negotiated_.protocol) {
    std::snprintf(queue_id_, sizeof queue_id_, "%X%05X", static_cast<unsigned>(c.fd_), c.message_serial_);
  }

  Verdict& verdict() { return v_; }

  // CONNECT and HELO, once per connection. An end here makes the connection unusable.
  Result<bool> open_session() {
    if (!(pf_ & proto::no_connect)) {
      Family fam = Family::unknown;
      std::string addr;
      if (env_.client_ip.rfind("unix:", 0) == 0) {
        fam = Family::unix_path;
        addr = env_.client_ip.substr(5);
      } else if (env_.client_ip != "unknown") {
        auto ip = client_address(env_.client_ip);
        if (!ip) return Error::perm("bad client address " + env_.client_ip);
        fam = ip->v6 ? Family::inet6 : Family::inet4;
        addr = ip->str();
      }
      auto done = step(cmd::connect, encode_connect(env_.client_name, fam, env_.client_port, addr),
                       proto::nr_connect, "connect");
      if (!done || *done) return session_end(done);
    }
    if (!(pf_ & proto::no_helo)) {
      auto done = step(cmd::helo, encode_helo(env_.helo), proto::nr_helo, "helo");
      if (!done || *done) return session_end(done);
    }
    return false;
  }

  Result<bool> mail() {
    if (pf_ & proto::no_mail) return false;
    return ended(step(cmd::mail, encode_mail(env_.from), proto::nr_mail, "mail"));
  }

  // Every RCPT; the message ends when the milter discards it or refuses every recipient.
  Result<bool> recipients() {
    if (pf_ & proto::no_rcpt) return false;
    size_t refused = 0;
    Verdict last;
    for (const auto& rcpt : env_.rcpts) {
      Verdict rv;
      if (auto s = c_.send(with_macros(cmd::rcpt, encode_rcpt(rcpt)), deadline_); !s) return s.error();
      if (pf_ & proto::nr_rcpt) continue;
      auto r = c_.read_reply("rcpt", deadline_);
      if (!r) return r.error();
      auto done = stage_reply(*r, "rcpt", rv);
      if (!done) return done.error();
      if (!*done || rv.action == Action::accept) continue;
      if (rv.action == Action::discard) {
        v_ = rv;
        return abort();
      }
      ++refused;
      v_.rejected_rcpts.push_back(
          rcpt + ": " +
          (rv.reply.empty() ? (rv.action == Action::reject ? "reject" : "tempfail") : rv.reply));
      last = rv;
    }
    if (!env_.rcpts.empty() && refused == env_.rcpts.size()) {
      auto rejected = std::move(v_.rejected_rcpts);
      v_ = last;
      v_.rejected_rcpts = std::move(rejected);
      return abort();
    }
    return false;
  }

  // DATA, the header fields and their end.
  Result<bool> header() {
    if (!(pf_ & proto::no_data)) {
      auto done = ended(step(cmd::data, encode_command(cmd::data), proto::nr_data, "data"));
      if (!done || *done) return done;
    }
    if (!(pf_ & proto::no_headers)) {
      for (const auto& h : msg_.headers) {
        std::string_view value = h.value;
        if (!(pf_ & proto::header_leading_space)) {
          while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
        }
        auto done = ended(step(cmd::header, encode_header(h.name, value), proto::nr_header, "header"));
        if (!done || *done) return done;
      }
    }
    if (pf_ & proto::no_eoh) return false;
    return ended(step(cmd::eoh, encode_command(cmd::eoh), proto::nr_eoh, "eoh"));
  }

  // The body in chunks of options.chunk_size; a SKIP stops sending it.
  Result<bool> body() {
    if (pf_ & proto::no_body) return false;
    std::string_view body = msg_.body;
    while (!body.empty()) {
      std::string_view chunk = body.substr(0, c_.options_.chunk_size);
      body.remove_prefix(chunk.size());
      if (auto s = c_.send(encode_body(chunk), deadline_); !s) return s.error();
      if (pf_ & proto::nr_body) continue;
      auto r = c_.read_reply("body", deadline_);
      if (!r) return r.error();
      if (r->type == ReplyType::skip) {
        if (!(pf_ & proto::skip)) return Error::perm("milter sent SKIP without negotiating it");
        break;
      }
      auto done = ended(stage_reply(*r, "body", v_));
      if (!done || *done) return done;
    }
    return false;
  }

  // End of body: modifications, then one final reply.
  Result<Verdict> end_of_message() {
    if (auto s = c_.send(with_macros(cmd::eob, encode_command(cmd::eob)), deadline_); !s) return s.error();
    v_.stage = "eom";
    size_t body_index = SIZE_MAX;  // the replace-body modification, once started
    for (;;) {
      auto r = c_.read_reply("end of message", deadline_);
      if (!r) return r.error();
      if (uint32_t needs = action_needed(r->type); needs != 0) {
        if (!(c_.negotiated_.actions & needs)) {
          return Error::perm("milter sent '" + shown_command(r->command) +
                             "' without negotiating that action");
        }
        add_modification(*r, body_index);
        continue;
      }
      if (r->type == ReplyType::cont) {  // continue at end of message accepts it
        v_.action = Action::accept;
        return v_;
      }
      auto done = stage_reply(*r, "eom", v_);
      if (!done) return done.error();
      if (r->type == ReplyType::conn_fail || r->type == ReplyType::shutdown) c_.reusable_ = false;
      if (v_.action != Action::accept) v_.quarantined = false;
      return v_;
    }
  }

 private:
  MacroList macros_for(char stage) const {
    MacroList m;
    auto it = env_.macros.find(stage);
    if (it != env_.macros.end()) m = it->second;
    if (stage == cmd::mail || stage == cmd::eob) {
      bool has_i = false;
      for (const auto& [k, val] : m) has_i = has_i || k == "i";
      if (!has_i) m.emplace_back("i", queue_id_);
    }
    return m;
  }

  // The stage's macros and its command go out in one write.
  std::string with_macros(char stage, const std::string& packet) const {
    MacroList m = macros_for(stage);
    return m.empty() ? packet : encode_macros(stage, m) + packet;
  }

  // Sends the stage's macros (if any) and the command; reads the reply unless the milter said it
  // will not answer. True when the reply ends the message.
  Result<bool> step(char stage, const std::string& packet, uint32_t nr_flag, const char* name) {
    if (auto s = c_.send(with_macros(stage, packet), deadline_); !s) return s.error();
    if (pf_ & nr_flag) return false;
    auto r = c_.read_reply(name, deadline_);
    if (!r) return r.error();
    return stage_reply(*r, name, v_);
  }

  Result<bool> abort() {
    if (auto s = c_.send(encode_command(cmd::abort), deadline_); !s) return s.error();
    return true;
  }

  // A stage inside the transaction: an end aborts it.
  Result<bool> ended(Result<bool> done) {
    if (!done || !*done) return done;
    return abort();
  }

  // A stage before MAIL: an end leaves the connection unusable.
  Result<bool> session_end(Result<bool> done) {
    if (done && *done) c_.reusable_ = false;
    return done;
  }

  void add_modification(const Reply& r, size_t& body_index) {
    if (r.type == ReplyType::quarantine) {
      v_.quarantined = true;
      v_.quarantine_reason = r.value;
    } else if (r.type == ReplyType::replace_body && body_index != SIZE_MAX) {
      v_.modifications[body_index].value += r.value;  // later chunks of the same new body
    } else {
      if (r.type == ReplyType::replace_body) body_index = v_.modifications.size();
      v_.modifications.push_back({r.type, r.index, r.name, r.value, r.args});
    }
  }

  Connection& c_;
  const Envelope& env_;
  const Message& msg_;
  const Deadline deadline_;
  const uint32_t pf_;
  char queue_id_[32];
  Verdict v_;
};

Result<Verdict> Connection::run(const Envelope& env, const Message& msg) {
  if (!reusable_ || fd_ < 0) return Error::temp("connection is no longer usable");
  ++message_serial_;
  Transaction t(*this, env, msg);
  if (!session_started_) {
    session_started_ = true;
    auto done = t.open_session();
    if (!done) return done.error();
    if (*done) return t.verdict();
  }
  for (auto stage :
       {&Transaction::mail, &Transaction::recipients, &Transaction::header, &Transaction::body}) {
    auto done = (t.*stage)();
    if (!done) return done.error();
    if (*done) return t.verdict();
  }
  return t.end_of_message();
}

}  // namespace postern::mta
