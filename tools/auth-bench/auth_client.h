// A minimal client of Dovecot's auth-client protocol (the socket login processes use, base_dir/
// auth-client): handshake, then "AUTH id PLAIN service=imap nologin rip=IP resp=BASE64" and the
// OK/FAIL answer. For benchmarks and timing measurements only; every read is bounded by a timeout.
#pragma once

#include <chrono>
#include <string>

namespace postern::bench {

class AuthClient {
 public:
  explicit AuthClient(const std::string& socket_path);
  ~AuthClient();
  AuthClient(const AuthClient&) = delete;
  AuthClient& operator=(const AuthClient&) = delete;

  // true for OK, false for FAIL; throws on protocol or connection errors.
  bool plain(const std::string& user, const std::string& password, const std::string& remote_ip);

 private:
  std::string read_line();
  int fd_ = -1;
  unsigned id_ = 0;
  std::string buf_;
};

}  // namespace postern::bench
