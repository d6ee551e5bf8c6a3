// Implements https_get with OpenSSL on a non-blocking socket and poll(2). Contract in https_fetch.h.
#include "tools/posternctl/transport/https_fetch.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "common/net/ip.h"

namespace postern::ctl {
namespace {

struct CtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

struct Endpoint {
  IpAddress ip;
  int port = 443;
};

Result<Endpoint> parse_endpoint(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 >= text.size())
    return Error::perm("connect address needs IP:PORT");
  auto ip = IpAddress::parse(text.substr(0, colon));
  if (!ip) return Error::perm("connect address: " + ip.error().message);
  int port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) return Error::perm("connect address: bad port");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return Error::perm("connect address: bad port");
  return Endpoint{*ip, port};
}

std::string ssl_error_text() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (!e) return "TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

bool wait_fd(int fd, short events, const Deadline& deadline) {
  pollfd p{fd, events, 0};
  int rc;
  do {
    rc = ::poll(&p, 1, deadline.remaining_ms());
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

Result<void> connect_to(Fd& sock, const Endpoint& ep, const Deadline& deadline) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (ep.ip.v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(ep.port));
    std::memcpy(&a->sin6_addr, ep.ip.bytes.data(), 16);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(ep.port));
    std::memcpy(&a->sin_addr, ep.ip.bytes.data(), 4);
    len = sizeof *a;
  }
  sock.fd = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (sock.fd < 0) return Error::temp(std::string("socket: ") + std::strerror(errno));
  if (::connect(sock.fd, reinterpret_cast<sockaddr*>(&ss), len) < 0 && errno != EINPROGRESS)
    return Error::temp("connect to " + ep.ip.str() + ": " + std::strerror(errno));
  if (!wait_fd(sock.fd, POLLOUT, deadline)) return Error::temp("connect to " + ep.ip.str() + ": timed out");
  int err = 0;
  socklen_t elen = sizeof err;
  ::getsockopt(sock.fd, SOL_SOCKET, SO_ERROR, &err, &elen);
  if (err) return Error::temp("connect to " + ep.ip.str() + ": " + std::strerror(err));
  return {};
}

// Runs op until it succeeds, waiting for the socket as OpenSSL asks; false on error or deadline.
template <class Op>
int ssl_io(SSL* ssl, int fd, const Deadline& deadline, Op op, std::string& why) {
  while (true) {
    ERR_clear_error();
    int rc = op();
    if (rc > 0) return rc;
    int e = SSL_get_error(ssl, rc);
    if (e == SSL_ERROR_ZERO_RETURN) return 0;
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (deadline.expired() || !wait_fd(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
        why = "timed out";
        return -1;
      }
      continue;
    }
    if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      why = "connection closed";
      return rc == 0 ? 0 : -1;
    }
    why = ssl_error_text();
    return -1;
  }
}

}  // namespace

Result<HttpResponse> https_get(const HttpsRequest& req, Resolver& resolver, Deadline deadline) {
  std::vector<Endpoint> endpoints;
  if (!req.connect_address.empty()) {
    auto ep = parse_endpoint(req.connect_address);
    if (!ep) return ep.error();
    endpoints.push_back(*ep);
  } else {
    for (RrType t : {RrType::A, RrType::AAAA}) {
      auto r = resolver.query(req.host, t, deadline);
      if (r.temporary_failure())
        return Error::temp(std::string("DNS ") + to_string(t) + " of " + req.host + ": " +
                           to_string(r.status) + (r.detail.empty() ? "" : " (" + r.detail + ")"));
      for (const auto& rec : r.records) {
        if (auto ip = IpAddress::parse(rec.text)) endpoints.push_back({*ip, 443});
      }
    }
    if (endpoints.empty()) return Error::perm(req.host + " has no address (A or AAAA)");
  }

  std::unique_ptr<SSL_CTX, CtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error::temp(ssl_error_text());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // A server that closes without close_notify ends the response as EOF would; a cut body is
  // caught by Content-Length or by the policy parser.
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  if (!req.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), req.ca_file.c_str(), nullptr) != 1)
      return Error::perm("CA file " + req.ca_file + ": " + ssl_error_text());
  } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
    return Error::temp("system CA store: " + ssl_error_text());
  }

  std::string last_error;
  for (const auto& ep : endpoints) {
    Fd sock;
    if (auto c = connect_to(sock, ep, deadline); !c) {
      last_error = c.error().message;
      continue;
    }
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
    if (!ssl) return Error::temp(ssl_error_text());
    SSL_set_fd(ssl.get(), sock.fd);
    SSL_set_tlsext_host_name(ssl.get(), req.host.c_str());
    SSL_set1_host(ssl.get(), req.host.c_str());
    X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(ssl.get()), X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    std::string why;
    if (ssl_io(
            ssl.get(), sock.fd, deadline, [&] { return SSL_connect(ssl.get()); }, why) <= 0) {
      long v = SSL_get_verify_result(ssl.get());
      if (v != X509_V_OK) return Error::perm(std::string("certificate: ") + X509_verify_cert_error_string(v));
      return Error::temp("TLS handshake with " + ep.ip.str() + ": " + why);
    }
    // HTTP/1.0 with Host: the server answers without chunking and closes, so the end of the
    // response is the end of the connection.
    std::string request = "GET " + req.path + " HTTP/1.0\r\nHost: " + req.host +
                          "\r\nUser-Agent: posternctl\r\nAccept: text/plain\r\nConnection: close\r\n\r\n";
    size_t sent = 0;
    while (sent < request.size()) {
      int n = ssl_io(
          ssl.get(), sock.fd, deadline,
          [&] {
            return SSL_write(ssl.get(), request.data() + sent, static_cast<int>(request.size() - sent));
          },
          why);
      if (n <= 0) return Error::temp("sending the request: " + why);
      sent += static_cast<size_t>(n);
    }
    const size_t cap = kMaxHttpHeadBytes + 2 * req.max_body + 64;  // chunk framing included
    std::string in;
    char buf[16384];
    while (true) {
      int n = ssl_io(
          ssl.get(), sock.fd, deadline, [&] { return SSL_read(ssl.get(), buf, sizeof buf); }, why);
      if (n < 0) {
        if (why == "connection closed") break;  // no close_notify: a common way to end
        return Error::temp("reading the response: " + why);
      }
      if (n == 0) break;
      in.append(buf, static_cast<size_t>(n));
      if (in.size() > cap) return Error::perm("body larger than " + std::to_string(req.max_body) + " bytes");
    }
    return parse_http_response(in, req.max_body);
  }
  return Error::temp(last_error.empty() ? "no address to connect to" : last_error);
}

}  // namespace postern::ctl
