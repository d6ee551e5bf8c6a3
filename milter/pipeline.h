// MessagePipeline: everything postern-milter decides about one SMTP session, with no libmilter in
// sight (callbacks.cpp adapts it), so it is tested directly and through the milter protocol.
// Per message: sender ownership for authenticated logins (MAIL FROM, then From:/Sender:), DKIM
// verification of inbound mail and DMARC on its result, DKIM signing of outbound mail (an
// authenticated login that owns the From: address, or an internal client), removal of incoming
// Authentication-Results headers that claim our authserv-id (last to first: deleting forwards
// shifts the indexes, OpenDKIM's CVE-2022-48521), and our one Authentication-Results header; SPF
// of inbound mail at MAIL FROM; inbound mail claiming one of our domains without its DKIM
// signature gets [sender].outside_action.
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

#include "common/net/ip.h"
#include "milter/app.h"

namespace postern {

inline constexpr size_t kMaxStoredHeaderBytes = 1024 * 1024;
inline constexpr size_t kMaxSenderFields = 8;  // more From/Sender fields than this is refused outright

struct HeaderEdit {
  enum class Op { add, insert, remove };
  Op op = Op::add;
  std::string name;
  std::string value;  // folded with CR LF or LF; callbacks.cpp hands libmilter the LF form
  int index = 0;      // insert: position (0 = top); remove: 1-based among fields of this name
};

struct Verdict {
  enum class Kind { cont, reject, tempfail };
  Kind kind = Kind::cont;
  std::string rcode, xcode, text;
  static Verdict reject(std::string rcode, std::string xcode, std::string text) {
    return {Kind::reject, std::move(rcode), std::move(xcode), std::move(text)};
  }
};

struct EomResult {
  Verdict verdict;
  std::vector<HeaderEdit> edits;  // in the order they must be applied
  std::string quarantine;         // non-empty: put the message on hold with this reason
};

class MessagePipeline {
 public:
  explicit MessagePipeline(const App& app) : app_(app) {}

  void connect(std::string client_addr, std::string client_name);
  void helo(std::string name) { helo_ = std::move(name); }
  Verdict mail_from(std::string envelope_from, std::string login, std::string queue_id);
  void rcpt(const std::string& address);  // RCPT TO; only the first one's domain is kept
  Verdict header(std::string_view name, std::string_view value);
  Verdict end_of_headers();
  void body(std::string_view chunk);
  EomResult end_of_message(const std::string& queue_id);
  void reset();

 private:
  struct Message;
  Verdict refuse(const Verdict& v, const std::string& reason, const char* stage);
  bool outbound() const;
  // Logs once per message that its DNS deadline has passed, naming the stage that noticed it.
  void note_deadline(const char* stage);
  void start_dkim();
  // The local domain an inbound From: claims without a passing DKIM signature of it, or "".
  std::string local_domain_claim(const DmarcInput& in) const;

  const App& app_;
  std::string client_, client_name_, helo_;
  std::optional<IpAddress> client_ip_;
  std::shared_ptr<Message> msg_;
};

}  // namespace postern
