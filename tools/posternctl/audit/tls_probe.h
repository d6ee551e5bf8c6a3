// TLS probes of mail listeners with native OpenSSL, each bounded by one deadline: connect, read
// the greeting, ask for STARTTLS (SMTP RFC 3207, IMAP RFC 9051, POP3 RFC 2595) or start TLS at
// connect (implicit TLS, RFC 8314), and report what the server served: protocol, cipher, forward
// secrecy, compression, the peer's certificate chain. ProbeConnection is the building block (one
// connection, plaintext then TLS, line and SMTP-reply reads); probe_smtp_tls and probe_mail_tls
// are the usual sequences. Reusable outside the audit (DANE / MTA-STS checks read the chain).
//
// The server is untrusted: every read is bounded by the deadline and by the reply parsers' limits
// (smtp_reply.h, imap_line.h); a silent server, one that answers garbage or closes mid-handshake
// ends the probe with a ProbeFailure and a message, never a hang. No certificate verification
// happens here (the audit checks the chain itself, tls_cert.h): a probe must see a bad
// certificate to report it. Host names are resolved with getaddrinfo, which the deadline does not
// bound; the audit passes addresses.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/core/deadline.h"
#include "common/core/result.h"
#include "tools/posternctl/audit/imap_line.h"
#include "tools/posternctl/audit/smtp_reply.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace postern::audit {

inline constexpr std::chrono::milliseconds kDefaultProbeTimeout{3000};

enum class TlsVersion { tls1_0, tls1_1, tls1_2, tls1_3 };
const char* tls_version_name(TlsVersion v);  // "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3" as OpenSSL says

// What the probing client offers.
struct TlsOffer {
  std::optional<TlsVersion> only_version;  // offer this version alone
  std::string cipher_list;                 // TLS 1.2 and older suites; "" for the library's default
  bool everything = false;                 // security level 0: offer what the local OpenSSL has
  std::string sni;                         // server name to send; "" for none
};

struct TlsInfo {
  std::string protocol;  // "TLSv1.3"
  std::string cipher;    // "TLS_AES_256_GCM_SHA384"
  bool forward_secret = false;
  bool compression = false;
  std::vector<std::string> chain_der;  // the peer's chain as sent, leaf first, DER
};

enum class ProbeFailure {
  none,
  connect,             // refused, unreachable
  timeout,             // the deadline passed (a silent server)
  closed,              // the server closed the connection
  garbage,             // bytes that are not the protocol
  refused,             // a well-formed negative reply (e.g. STARTTLS not offered, 454)
  handshake,           // the TLS handshake failed (the server refused what was offered)
  local_cannot_offer,  // the local OpenSSL cannot offer this version or suite class
};
const char* probe_failure_name(ProbeFailure f);

class ProbeConnection {
 public:
  // Connects to host:port within the deadline, from the local address source when not empty. On
  // failure failure() says why.
  ProbeConnection(const std::string& host, int port, Deadline deadline, const std::string& source = "");
  ~ProbeConnection();
  ProbeConnection(const ProbeConnection&) = delete;
  ProbeConnection& operator=(const ProbeConnection&) = delete;

  bool ok() const { return failure_ == ProbeFailure::none; }
  ProbeFailure failure() const { return failure_; }
  const std::string& error() const { return error_; }
  bool tls() const { return ssl_ != nullptr; }

  // One SMTP reply; nullopt on failure (failure() says why).
  std::optional<SmtpReply> smtp_read();
  // Sends line + CRLF, then reads one reply.
  std::optional<SmtpReply> smtp_command(std::string_view line);
  // One line (CRLF or LF removed), at most kMaxImapLineBytes; nullopt on failure.
  std::optional<std::string> read_line();
  bool write(std::string_view bytes);
  // Bytes the server sent that no read has consumed (after a STARTTLS reply there must be none:
  // such bytes would be taken as TLS-protected by a careless client, CVE-2011-0411).
  size_t pending() const { return buf_.size() + smtp_.pending(); }
  // Runs the TLS handshake on this connection.
  std::optional<TlsInfo> start_tls(const TlsOffer& offer);

 private:
  bool fill();  // reads more bytes into buf_ (plaintext or TLS) before the deadline
  void fail(ProbeFailure f, std::string why);

  int fd_ = -1;
  Deadline deadline_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buf_;
  SmtpReplyReader smtp_;
  ProbeFailure failure_ = ProbeFailure::none;
  std::string error_;
};

enum class TlsStart { starttls, implicit };

struct SmtpTlsProbe {
  ProbeFailure failure = ProbeFailure::none;
  std::string error;     // why, when failure != none
  SmtpReply banner;      // the 220 greeting (implicit TLS: after the handshake)
  SmtpReply ehlo_plain;  // EHLO reply before TLS (STARTTLS mode)
  SmtpReply ehlo_tls;    // EHLO reply after TLS
  bool extra_after_starttls = false;
  std::optional<TlsInfo> tls;
};
// connect, banner, EHLO, STARTTLS, handshake, EHLO (or: connect, handshake, banner, EHLO).
SmtpTlsProbe probe_smtp_tls(const std::string& host, int port, TlsStart start, const TlsOffer& offer,
                            std::chrono::milliseconds timeout = kDefaultProbeTimeout,
                            const std::string& ehlo_name = "posternctl-audit.invalid");

enum class MailProtocol { imap, pop3 };
struct MailTlsProbe {
  ProbeFailure failure = ProbeFailure::none;
  std::string error;
  std::vector<std::string> capabilities_plain;  // IMAP: greeting's or CAPABILITY's; POP3: CAPA lines
  bool login_disabled = false;                  // IMAP LOGINDISABLED before TLS
  bool stls_offered = false;                    // IMAP STARTTLS / POP3 STLS
  std::optional<TlsInfo> tls;
};
// source: the local address to connect from ("" for the system's choice). Dovecot treats a client
// whose address equals its own as secured (LOGINDISABLED is then not announced), so a probe of
// 127.0.0.1 should come from another loopback address.
MailTlsProbe probe_mail_tls(const std::string& host, int port, MailProtocol protocol, TlsStart start,
                            const TlsOffer& offer, std::chrono::milliseconds timeout = kDefaultProbeTimeout,
                            const std::string& source = "");

// True when the local OpenSSL can offer this version (with everything allowed), false when it
// was built or configured without it.
bool local_can_offer(TlsVersion v);
// True when the local OpenSSL has at least one TLS 1.2-or-older suite matching cipher_list.
bool local_has_suites(const std::string& cipher_list);

}  // namespace postern::audit
