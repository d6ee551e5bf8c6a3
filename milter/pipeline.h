// MessagePipeline: postern-milter's session adapter, one per SMTP connection, with no libmilter in
// sight (callbacks.cpp adapts it). It gathers a message's facts (common/message/facts.h) as the
// MTA streams them, runs the DKIM sessions, logs, and asks the core for every decision: SPF's
// rejection at MAIL FROM and sender ownership (common/message/, common/sender/enforce.h) as they
// come, and at end of message decide_message (common/message/message.h), which is unit-tested in
// tests/message/ without a daemon; the adapter itself is tested through the milter protocol
// (tests/milter/). From:/Sender: fields are kept raw; the From: fields are parsed once, at the end
// of the headers (common/mail/from_header.h).
// Limits: headers are kept for replay to the DKIM sessions up to kMaxStoredHeaderBytes /
// kMaxDkimHeaderFields (beyond them DKIM is skipped for the message and logged); the body is
// streamed, never stored. All DNS work of a message (SPF at MAIL FROM, DKIM keys, DMARC records) is
// bounded by one deadline, [milter].message_timeout from MAIL FROM; each lookup gets what is left,
// lookups past it are temperror, and reaching it is logged once per message (dns_deadline).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/message/verdict.h"
#include "common/net/ip.h"
#include "milter/app.h"

namespace postern {

inline constexpr size_t kMaxStoredHeaderBytes = 1024 * 1024;
inline constexpr size_t kMaxSenderFields = 8;  // more From/Sender fields than this is refused outright

class MessagePipeline {
 public:
  explicit MessagePipeline(const App& app) : app_(app) {}

  void connect(std::string client_addr, std::string client_name);
  void helo(std::string name) { helo_ = std::move(name); }
  Verdict mail_from(std::string envelope_from, std::string login, std::string queue_id);
  void rcpt(const std::string& address);  // RCPT TO: its domain for the report (add_rcpt_domain)
  Verdict header(std::string_view name, std::string_view value);
  Verdict end_of_headers();
  void body(std::string_view chunk);
  EomResult end_of_message(const std::string& queue_id);
  void reset();

 private:
  struct Message;
  Verdict refuse(const Verdict& v, const std::string& reason, const char* stage);
  bool outbound() const;
  void parse_from();
  // Logs once per message that its DNS deadline has passed, naming the stage that noticed it.
  void note_deadline(const char* stage);
  void start_dkim();

  const App& app_;
  std::string client_, client_name_, helo_;
  std::optional<IpAddress> client_ip_;
  std::shared_ptr<Message> msg_;
};

}  // namespace postern
