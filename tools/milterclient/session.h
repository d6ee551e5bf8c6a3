// One MTA-side connection to a milter: connects (unix or TCP socket), negotiates protocol version
// 6, then replays SMTP sessions and messages through it as an MTA does (CONNECT, HELO, MAIL, RCPT,
// DATA, headers, EOH, body chunks, end of body; macros before each stage), honouring the steps the
// milter asked to skip (SMFIP_NO*) or not to answer (SMFIP_NR_*), SKIP during the body, PROGRESS,
// and ABORT when a message ends before its end of body so the connection can carry the next one.
// The milter is untrusted: every reply goes through reply.h, a modification it did not negotiate is
// a protocol error, and every wait is bounded by a per-read timeout and a per-message deadline, so
// a stuck milter yields an Error naming the command it did not answer, never a hang.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/core/deadline.h"
#include "common/core/result.h"
#include "common/daemon/socket_spec.h"
#include "tools/milterclient/encoder.h"
#include "tools/milterclient/message.h"
#include "tools/milterclient/protocol.h"
#include "tools/milterclient/reply.h"
#include "tools/milterclient/verdict.h"

namespace postern::mta {

struct ClientOptions {
  SocketSpec milter;
  std::chrono::milliseconds read_timeout{10000};     // for each reply
  std::chrono::milliseconds message_timeout{60000};  // for a whole message
  size_t chunk_size = kMaxBodyChunk;                 // body chunk size, 1..kMaxBodyChunk
  uint32_t actions = act::all;                       // offered to the milter
  uint32_t protocol = proto::offered;                // offered to the milter
};

// Macro stage: the command the macros are sent before (cmd::connect, cmd::helo, cmd::mail,
// cmd::rcpt, cmd::data, cmd::eoh, cmd::eob).
using StageMacros = std::map<char, MacroList>;

struct Envelope {
  std::string client_ip = "127.0.0.1";  // an IP address, "unix:/path", or "unknown"
  uint16_t client_port = 0;
  std::string client_name = "localhost";
  std::string helo = "localhost";
  std::string from;  // without brackets; "" is the null sender
  std::vector<std::string> rcpts;
  StageMacros macros;
};

// Protocol flag and action names for display ("add-headers", "no-helo", "nr-header", ...).
std::vector<std::string> action_names(uint32_t actions);
std::vector<std::string> protocol_names(uint32_t protocol);

class Connection {
 public:
  // Connects and negotiates, both within options.read_timeout.
  static Result<std::unique_ptr<Connection>> open(const ClientOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const Negotiation& negotiated() const { return negotiated_; }

  // Replays one message. The first message on a connection also sends CONNECT and HELO from its
  // envelope (later envelopes' connection fields are ignored). An Error means the connection is
  // broken (protocol error, timeout, closed) and must be dropped.
  Result<Verdict> run(const Envelope& envelope, const Message& message);

  // False once the milter has decided for the whole connection (at CONNECT or HELO) or asked to
  // close it; open a new Connection for the next message.
  bool reusable() const { return reusable_; }

  // Sends QUIT (best effort) and closes.
  void quit();

 private:
  class Transaction;  // one message's stages, sharing its deadline and verdict (session.cpp)

  Connection(int fd, ClientOptions options) : fd_(fd), options_(std::move(options)) {}
  Result<void> send(const std::string& bytes, const Deadline& message_deadline);
  Result<Reply> read_reply(const char* waiting_for, const Deadline& message_deadline);
  Result<void> negotiate();

  int fd_ = -1;
  ClientOptions options_;
  Negotiation negotiated_;
  ReplyStream in_;
  bool session_started_ = false;
  bool reusable_ = true;
  unsigned message_serial_ = 0;
};

}  // namespace postern::mta
