// Implements SmtpClient. Contract in smtp_client.h.
#include "tests/harness/smtp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace postern::test {
namespace {

std::string base64(const std::string& in) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
  }
  if (i + 1 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16;
    out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
    out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
  }
  return out;
}

}  // namespace

SmtpClient::SmtpClient(const std::string& host, int port, std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &a.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(fd_);
    fd_ = -1;
    greeting_.text = "connect failed";
    return;
  }
  greeting_ = read_reply();
}

SmtpClient::~SmtpClient() {
  if (fd_ >= 0) close(fd_);
}

bool SmtpClient::send_all(const std::string& bytes) {
  size_t off = 0;
  while (fd_ >= 0 && off < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return fd_ >= 0;
}

SmtpReply SmtpClient::read_reply() {
  SmtpReply r;
  if (fd_ < 0) return r;
  auto end = std::chrono::steady_clock::now() + timeout_;
  while (true) {
    size_t nl;
    while ((nl = buffer_.find('\n')) != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!r.text.empty()) r.text += "\n";
      r.text += line;
      if (line.size() < 4 || line[3] != '-') {
        r.code = line.size() >= 3 ? std::atoi(line.substr(0, 3).c_str()) : 0;
        return r;
      }
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.text += "[timeout]";
      return r;
    }
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      r.text += "[connection closed]";
      return r;
    }
    buffer_.append(buf, static_cast<size_t>(n));
  }
}

SmtpReply SmtpClient::command(const std::string& line) {
  if (!send_all(line + "\r\n")) return SmtpReply{0, "send failed"};
  return read_reply();
}

SmtpReply SmtpClient::xclient(const std::string& attributes) { return command("XCLIENT " + attributes); }

SmtpReply SmtpClient::auth_plain(const std::string& user, const std::string& password) {
  return command("AUTH PLAIN " + base64(std::string("\0", 1) + user + std::string("\0", 1) + password));
}

SmtpReply SmtpClient::data(const std::string& message) {
  SmtpReply r = command("DATA");
  if (r.code != 354) return r;
  std::string out;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t nl = message.find('\n', pos);
    std::string line = message.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? message.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '.') line = "." + line;
    out += line + "\r\n";
  }
  out += ".\r\n";
  if (!send_all(out)) return SmtpReply{0, "send failed"};
  return read_reply();
}

void SmtpClient::quit() {
  if (fd_ >= 0) command("QUIT");
}

SmtpReply smtp_send(const SmtpSend& s) {
  SmtpClient c(s.host, s.port);
  if (!c.greeting().ok()) return c.greeting();
  SmtpReply r = c.ehlo(s.helo);
  if (!r.ok()) return r;
  if (!s.xclient.empty()) {
    r = c.xclient(s.xclient);
    if (!r.ok()) return r;
    r = c.ehlo(s.helo);
    if (!r.ok()) return r;
  }
  if (!s.user.empty()) {
    r = c.auth_plain(s.user, s.password);
    if (!r.ok()) return r;
  }
  r = c.mail_from(s.from);
  if (!r.ok()) return r;
  for (const auto& to : s.to) {
    r = c.rcpt_to(to);
    if (!r.ok()) return r;
  }
  r = c.data(s.message);
  c.quit();
  return r;
}

}  // namespace postern::test
