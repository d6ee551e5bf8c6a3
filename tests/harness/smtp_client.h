// SmtpClient: a small blocking SMTP client for tests and the demo. Every step returns the server's
// reply (code, enhanced status and text) so tests can assert "450 4.7.1" at RCPT or "550 5.7.1" at
// the end of DATA. Bounded by a deadline per reply; multi-line replies are joined.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace postern::test {

struct SmtpReply {
  int code = 0;      // 0 when the connection failed or timed out
  std::string text;  // the whole reply, lines joined with '\n', without CRLF
  bool ok() const { return code >= 200 && code < 400; }
  bool has(const std::string& fragment) const { return text.find(fragment) != std::string::npos; }
};

class SmtpClient {
 public:
  SmtpClient(const std::string& host, int port, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~SmtpClient();
  SmtpClient(const SmtpClient&) = delete;
  SmtpClient& operator=(const SmtpClient&) = delete;

  const SmtpReply& greeting() const { return greeting_; }
  SmtpReply command(const std::string& line);  // sends line + CRLF, reads the reply
  SmtpReply ehlo(const std::string& name) { return command("EHLO " + name); }
  // XCLIENT ADDR=... NAME=... HELO=...: Postfix then treats the session as coming from that
  // client (smtpd_authorized_xclient_hosts must allow us). Returns the new greeting's reply.
  SmtpReply xclient(const std::string& attributes);
  SmtpReply auth_plain(const std::string& user, const std::string& password);
  SmtpReply mail_from(const std::string& address) { return command("MAIL FROM:<" + address + ">"); }
  SmtpReply rcpt_to(const std::string& address) { return command("RCPT TO:<" + address + ">"); }
  // DATA, then the message (LF or CRLF line ends; dot-stuffed here), then ".": the final reply.
  SmtpReply data(const std::string& message);
  void quit();

 private:
  SmtpReply read_reply();
  bool send_all(const std::string& bytes);
  int fd_ = -1;
  std::chrono::milliseconds timeout_;
  std::string buffer_;
  SmtpReply greeting_;
};

// Sends one message in one session: EHLO, [XCLIENT], [AUTH], MAIL, RCPT..., DATA. Returns the
// first reply that is not a success, or the final DATA reply.
struct SmtpSend {
  std::string host = "127.0.0.1";
  int port = 25;
  std::string helo = "client.postern.test";
  std::string xclient;  // e.g. "ADDR=192.0.2.7 NAME=[UNAVAILABLE]"
  std::string user, password;
  std::string from;
  std::vector<std::string> to;
  std::string message;
};
SmtpReply smtp_send(const SmtpSend& s);

}  // namespace postern::test
