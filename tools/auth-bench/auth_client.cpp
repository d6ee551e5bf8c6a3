// Implements AuthClient. Contract in auth_client.h.
#include "tools/auth-bench/auth_client.h"

#include <openssl/evp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace postern::bench {

AuthClient::AuthClient(const std::string& socket_path) {
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(sa.sun_path)) throw std::runtime_error("socket path too long");
  std::memcpy(sa.sun_path, socket_path.c_str(), socket_path.size() + 1);
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0)
    throw std::runtime_error("connect " + socket_path + ": " + std::strerror(errno));
  // Dovecot refuses a second connection with the CPID of an existing one: number them.
  static std::atomic<unsigned> next{0};
  unsigned cpid = static_cast<unsigned>(::getpid()) * 1000 + (next++ % 1000);
  std::string hello = "VERSION\t1\t2\nCPID\t" + std::to_string(cpid) + "\n";
  if (::send(fd_, hello.data(), hello.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(hello.size()))
    throw std::runtime_error("send failed");
  std::string seen;
  try {
    for (;;) {
      std::string line = read_line();
      if (line == "DONE") break;
      seen += line + "\n";
    }
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(e.what()) + " during the handshake, after: " + seen);
  }
}

AuthClient::~AuthClient() {
  if (fd_ >= 0) ::close(fd_);
}

std::string AuthClient::read_line() {
  for (;;) {
    size_t nl = buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return line;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 30000) <= 0) throw std::runtime_error("auth server timed out");
    char tmp[4096];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) throw std::runtime_error("auth server closed the connection");
    buf_.append(tmp, static_cast<size_t>(n));
    if (buf_.size() > 65536) throw std::runtime_error("auth server line too long");
  }
}

bool AuthClient::plain(const std::string& user, const std::string& password, const std::string& remote_ip) {
  std::string resp = std::string(1, '\0') + user + std::string(1, '\0') + password;
  std::string b64(4 * ((resp.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(b64.data()),
                          reinterpret_cast<const unsigned char*>(resp.data()), static_cast<int>(resp.size()));
  b64.resize(static_cast<size_t>(n));
  unsigned id = ++id_;
  std::string req = "AUTH\t" + std::to_string(id) +
                    "\tPLAIN\tservice=imap\tsecured\tnologin\tlip=127.0.0.1\trip=" + remote_ip +
                    "\tresp=" + b64 + "\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size()))
    throw std::runtime_error("send failed");
  for (;;) {
    std::string line = read_line();
    std::string ok = "OK\t" + std::to_string(id) + "\t";
    std::string fail = "FAIL\t" + std::to_string(id);
    if (line.rfind(ok, 0) == 0) return true;
    if (line.rfind(fail, 0) == 0) return false;
  }
}

}  // namespace postern::bench
