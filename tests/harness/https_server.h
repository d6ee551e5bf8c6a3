// TestHttpsServer: a small HTTPS server for tests on 127.0.0.1 (port chosen at run time), OpenSSL
// over a certificate and key the test gives (a TestCa's). Each connection: TLS handshake, read the
// request head (up to an empty line, at most 16 KB), send the bytes set with set_response exactly
// as given (status line, headers and body are the test's business: redirects, wrong types,
// oversized bodies), close. One connection at a time on its own thread; the destructor stops it.
// Trusts its callers; a client that stalls is dropped after 5 s.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace postern::test {

class TestHttpsServer {
 public:
  // Throws std::runtime_error when the certificate or key cannot be loaded or no port is free.
  TestHttpsServer(const std::string& cert_file, const std::string& key_file);
  ~TestHttpsServer();
  TestHttpsServer(const TestHttpsServer&) = delete;
  TestHttpsServer& operator=(const TestHttpsServer&) = delete;

  int port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  void set_response(std::string bytes);
  // "200 OK" with Content-Type and Content-Length set for body.
  void set_body(const std::string& body, const std::string& content_type = "text/plain");
  // The head of the last request received ("GET /... HTTP/1.0\r\nHost: ...").
  std::string last_request() const;
  int requests() const { return requests_.load(); }

 private:
  void run();
  void serve(int fd);

  void* ctx_ = nullptr;  // SSL_CTX*
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  int port_ = 0;
  mutable std::mutex mu_;
  std::string response_;
  std::string last_request_;
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace postern::test
