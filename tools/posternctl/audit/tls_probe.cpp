// Implements the TLS probes. Contract in tls_probe.h.
#include "tools/posternctl/audit/tls_probe.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace postern::audit {
namespace {

int openssl_version(TlsVersion v) {
  switch (v) {
    case TlsVersion::tls1_0:
      return TLS1_VERSION;
    case TlsVersion::tls1_1:
      return TLS1_1_VERSION;
    case TlsVersion::tls1_2:
      return TLS1_2_VERSION;
    case TlsVersion::tls1_3:
      return TLS1_3_VERSION;
  }
  return 0;
}

std::string ssl_errors() {
  std::string out;
  unsigned long e;
  while ((e = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (out.empty()) out = buf;  // the first is the cause
  }
  return out;
}

// A client context for offer; nullptr when the local library cannot make that offer.
SSL_CTX* make_ctx(const TlsOffer& offer, std::string& why) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    why = "SSL_CTX_new: " + ssl_errors();
    return nullptr;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  if (offer.everything) SSL_CTX_set_security_level(ctx, 0);
  if (offer.only_version) {
    int v = openssl_version(*offer.only_version);
    if (!SSL_CTX_set_min_proto_version(ctx, v) || !SSL_CTX_set_max_proto_version(ctx, v)) {
      why = std::string("the local OpenSSL cannot offer ") + tls_version_name(*offer.only_version);
      SSL_CTX_free(ctx);
      return nullptr;
    }
  } else if (offer.everything) {
    SSL_CTX_set_min_proto_version(ctx, 0);
  }
  if (!offer.cipher_list.empty() && !SSL_CTX_set_cipher_list(ctx, offer.cipher_list.c_str())) {
    ERR_clear_error();
    why = "the local OpenSSL has no suite matching \"" + offer.cipher_list + "\"";
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

// Whether an SSL made from ctx would offer any suite.
bool offers_any(SSL_CTX* ctx) {
  SSL* ssl = SSL_new(ctx);
  if (!ssl) return false;
  STACK_OF(SSL_CIPHER)* sk = SSL_get1_supported_ciphers(ssl);
  bool any = sk && sk_SSL_CIPHER_num(sk) > 0;
  sk_SSL_CIPHER_free(sk);
  SSL_free(ssl);
  return any;
}

}  // namespace

const char* tls_version_name(TlsVersion v) {
  switch (v) {
    case TlsVersion::tls1_0:
      return "TLSv1";
    case TlsVersion::tls1_1:
      return "TLSv1.1";
    case TlsVersion::tls1_2:
      return "TLSv1.2";
    case TlsVersion::tls1_3:
      return "TLSv1.3";
  }
  return "?";
}

const char* probe_failure_name(ProbeFailure f) {
  switch (f) {
    case ProbeFailure::none:
      return "none";
    case ProbeFailure::connect:
      return "connect";
    case ProbeFailure::timeout:
      return "timeout";
    case ProbeFailure::closed:
      return "closed";
    case ProbeFailure::garbage:
      return "garbage";
    case ProbeFailure::refused:
      return "refused";
    case ProbeFailure::handshake:
      return "handshake";
    case ProbeFailure::local_cannot_offer:
      return "local_cannot_offer";
  }
  return "?";
}

bool local_can_offer(TlsVersion v) {
  TlsOffer o;
  o.only_version = v;
  o.everything = true;
  if (v != TlsVersion::tls1_3) o.cipher_list = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
  std::string why;
  SSL_CTX* ctx = make_ctx(o, why);
  if (!ctx) return false;
  bool any = offers_any(ctx);
  SSL_CTX_free(ctx);
  return any;
}

bool local_has_suites(const std::string& cipher_list) {
  TlsOffer o;
  o.everything = true;
  o.only_version = TlsVersion::tls1_2;
  o.cipher_list = cipher_list;
  std::string why;
  SSL_CTX* ctx = make_ctx(o, why);
  if (!ctx) return false;
  // With TLS 1.3 off, only the list's own suites remain.
  bool any = offers_any(ctx);
  SSL_CTX_free(ctx);
  return any;
}

ProbeConnection::ProbeConnection(const std::string& host, int port, Deadline deadline,
                                 const std::string& source)
    : deadline_(deadline) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &res); rc != 0) {
    fail(ProbeFailure::connect, std::string("cannot resolve ") + host + ": " + gai_strerror(rc));
    return;
  }
  std::string last = "no address";
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    if (!source.empty()) {
      addrinfo shints{};
      shints.ai_family = ai->ai_family;
      shints.ai_socktype = SOCK_STREAM;
      shints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
      addrinfo* src = nullptr;
      if (getaddrinfo(source.c_str(), "0", &shints, &src) != 0 ||
          bind(fd, src->ai_addr, src->ai_addrlen) != 0) {
        if (src) freeaddrinfo(src);
        last = "cannot bind to " + source;
        close(fd);
        continue;
      }
      freeaddrinfo(src);
    }
    int rc = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n;
      while ((n = poll(&p, 1, deadline_.remaining_ms())) < 0 && errno == EINTR) {
      }
      if (n == 0) {
        close(fd);
        freeaddrinfo(res);
        fail(ProbeFailure::timeout, "connect timed out");
        return;
      }
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err ? -1 : 0;
      errno = err;
    }
    if (rc == 0) {
      fd_ = fd;
      break;
    }
    last = strerror(errno);
    close(fd);
  }
  freeaddrinfo(res);
  if (fd_ < 0) fail(ProbeFailure::connect, "connect: " + last);
}

ProbeConnection::~ProbeConnection() {
  if (ssl_) SSL_free(ssl_);
  if (ctx_) SSL_CTX_free(ctx_);
  if (fd_ >= 0) close(fd_);
}

void ProbeConnection::fail(ProbeFailure f, std::string why) {
  if (failure_ != ProbeFailure::none) return;
  failure_ = f;
  error_ = std::move(why);
}

bool ProbeConnection::fill() {
  if (!ok()) return false;
  char tmp[16384];
  while (true) {
    short want = POLLIN;
    if (ssl_) {
      int n = SSL_read(ssl_, tmp, sizeof tmp);
      if (n > 0) {
        buf_.append(tmp, static_cast<size_t>(n));
        return true;
      }
      int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_WRITE)
        want = POLLOUT;
      else if (e != SSL_ERROR_WANT_READ) {
        fail(ProbeFailure::closed,
             e == SSL_ERROR_ZERO_RETURN ? "the server closed TLS" : "TLS read: " + ssl_errors());
        return false;
      }
    } else {
      ssize_t n = recv(fd_, tmp, sizeof tmp, 0);
      if (n > 0) {
        buf_.append(tmp, static_cast<size_t>(n));
        return true;
      }
      if (n == 0) {
        fail(ProbeFailure::closed, "the server closed the connection");
        return false;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        fail(ProbeFailure::closed, std::string("read: ") + strerror(errno));
        return false;
      }
    }
    int left = deadline_.remaining_ms();
    if (left <= 0) {
      fail(ProbeFailure::timeout, "no answer before the deadline");
      return false;
    }
    pollfd p{fd_, want, 0};
    int r = poll(&p, 1, left);
    if (r < 0 && errno != EINTR) {
      fail(ProbeFailure::closed, std::string("poll: ") + strerror(errno));
      return false;
    }
    if (r == 0) {
      fail(ProbeFailure::timeout, "no answer before the deadline");
      return false;
    }
  }
}

bool ProbeConnection::write(std::string_view bytes) {
  if (!ok()) return false;
  size_t done = 0;
  while (done < bytes.size()) {
    short want = POLLOUT;
    if (ssl_) {
      int n = SSL_write(ssl_, bytes.data() + done, static_cast<int>(bytes.size() - done));
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      int e = SSL_get_error(ssl_, n);
      if (e == SSL_ERROR_WANT_READ)
        want = POLLIN;
      else if (e != SSL_ERROR_WANT_WRITE) {
        fail(ProbeFailure::closed, "TLS write: " + ssl_errors());
        return false;
      }
    } else {
      ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n > 0) {
        done += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        fail(ProbeFailure::closed, std::string("write: ") + strerror(errno));
        return false;
      }
    }
    pollfd p{fd_, want, 0};
    int left = deadline_.remaining_ms();
    if (left <= 0 || poll(&p, 1, left) == 0) {
      fail(ProbeFailure::timeout, "write timed out");
      return false;
    }
  }
  return true;
}

std::optional<SmtpReply> ProbeConnection::smtp_read() {
  while (ok()) {
    smtp_.append(buf_);
    buf_.clear();
    auto r = smtp_.next();
    if (!r) {
      fail(ProbeFailure::garbage, r.error().message);
      return std::nullopt;
    }
    if (*r) return std::move(**r);
    if (!fill()) return std::nullopt;
  }
  return std::nullopt;
}

std::optional<SmtpReply> ProbeConnection::smtp_command(std::string_view line) {
  if (!write(std::string(line) + "\r\n")) return std::nullopt;
  return smtp_read();
}

std::optional<std::string> ProbeConnection::read_line() {
  while (ok()) {
    size_t nl = buf_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buf_.size() > kMaxImapLineBytes) {
      fail(ProbeFailure::garbage, "line longer than kMaxImapLineBytes");
      return std::nullopt;
    }
    if (!fill()) return std::nullopt;
  }
  return std::nullopt;
}

std::optional<TlsInfo> ProbeConnection::start_tls(const TlsOffer& offer) {
  if (!ok()) return std::nullopt;
  if (ssl_) {
    fail(ProbeFailure::garbage, "TLS already started");
    return std::nullopt;
  }
  std::string why;
  ctx_ = make_ctx(offer, why);
  if (!ctx_ || !offers_any(ctx_)) {
    fail(ProbeFailure::local_cannot_offer, why.empty() ? "the local OpenSSL cannot make this offer" : why);
    return std::nullopt;
  }
  ssl_ = SSL_new(ctx_);
  if (!ssl_) {
    fail(ProbeFailure::handshake, "SSL_new: " + ssl_errors());
    return std::nullopt;
  }
  SSL_set_fd(ssl_, fd_);
  if (!offer.sni.empty()) SSL_set_tlsext_host_name(ssl_, offer.sni.c_str());
  buf_.clear();
  while (true) {
    ERR_clear_error();
    int n = SSL_connect(ssl_);
    if (n == 1) break;
    int e = SSL_get_error(ssl_, n);
    short want;
    if (e == SSL_ERROR_WANT_READ)
      want = POLLIN;
    else if (e == SSL_ERROR_WANT_WRITE)
      want = POLLOUT;
    else {
      std::string err = ssl_errors();
      if (e == SSL_ERROR_SYSCALL && err.empty())
        fail(ProbeFailure::closed, "the server closed the connection during the TLS handshake");
      else
        fail(ProbeFailure::handshake, "TLS handshake failed" + (err.empty() ? "" : ": " + err));
      return std::nullopt;
    }
    pollfd p{fd_, want, 0};
    int left = deadline_.remaining_ms();
    int r = left > 0 ? poll(&p, 1, left) : 0;
    if (r == 0) {
      fail(ProbeFailure::timeout, "TLS handshake not done before the deadline");
      return std::nullopt;
    }
  }
  TlsInfo info;
  info.protocol = SSL_get_version(ssl_);
  const SSL_CIPHER* c = SSL_get_current_cipher(ssl_);
  info.cipher = c ? SSL_CIPHER_get_name(c) : "";
  int kx = c ? SSL_CIPHER_get_kx_nid(c) : NID_undef;
  info.forward_secret = SSL_version(ssl_) >= TLS1_3_VERSION || kx == NID_kx_ecdhe || kx == NID_kx_dhe ||
                        kx == NID_kx_ecdhe_psk || kx == NID_kx_dhe_psk;
  info.compression = SSL_get_current_compression(ssl_) != nullptr;
  if (STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_)) {
    for (int i = 0; i < sk_X509_num(chain); ++i) {
      unsigned char* der = nullptr;
      int len = i2d_X509(sk_X509_value(chain, i), &der);
      if (len > 0) info.chain_der.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(len));
      OPENSSL_free(der);
    }
  }
  return info;
}

namespace {

// The connection's failure and its reason into a probe result.
template <class Probe>
Probe& failed(const ProbeConnection& c, Probe& res) {
  res.failure = c.failure();
  res.error = c.error();
  return res;
}

// The start both probes share: the connection made and, for implicit TLS, the handshake done
// first. false (the failure in res) when either did not work.
template <class Probe>
bool open_probe(ProbeConnection& c, TlsStart start, const TlsOffer& offer, Probe& res) {
  if (c.ok() && start == TlsStart::implicit) res.tls = c.start_tls(offer);
  if (c.ok() && (start != TlsStart::implicit || res.tls)) return true;
  failed(c, res);
  return false;
}

}  // namespace

SmtpTlsProbe probe_smtp_tls(const std::string& host, int port, TlsStart start, const TlsOffer& offer,
                            std::chrono::milliseconds timeout, const std::string& ehlo_name) {
  SmtpTlsProbe res;
  ProbeConnection c(host, port, Deadline::after(timeout));
  auto done = [&]() -> SmtpTlsProbe& { return failed(c, res); };
  if (!open_probe(c, start, offer, res)) return res;
  auto banner = c.smtp_read();
  if (!banner) return done();
  res.banner = *banner;
  auto ehlo = c.smtp_command("EHLO " + ehlo_name);
  if (!ehlo) return done();
  if (start == TlsStart::implicit) {
    res.ehlo_tls = *ehlo;
    c.smtp_command("QUIT");
    return done();
  }
  res.ehlo_plain = *ehlo;
  if (!ehlo->has_keyword("STARTTLS")) {
    res.failure = ProbeFailure::refused;
    res.error = "STARTTLS not offered";
    return res;
  }
  auto st = c.smtp_command("STARTTLS");
  if (!st) return done();
  if (st->code != 220) {
    res.failure = ProbeFailure::refused;
    res.error = "STARTTLS answered " + std::to_string(st->code);
    return res;
  }
  res.extra_after_starttls = c.pending() > 0;
  res.tls = c.start_tls(offer);
  if (!res.tls) return done();
  if (auto e2 = c.smtp_command("EHLO " + ehlo_name)) res.ehlo_tls = *e2;
  c.smtp_command("QUIT");
  // A failure after the handshake (QUIT unanswered) does not undo what was learnt.
  return res;
}

MailTlsProbe probe_mail_tls(const std::string& host, int port, MailProtocol protocol, TlsStart start,
                            const TlsOffer& offer, std::chrono::milliseconds timeout,
                            const std::string& source) {
  MailTlsProbe res;
  ProbeConnection c(host, port, Deadline::after(timeout), source);
  auto done = [&]() -> MailTlsProbe& { return failed(c, res); };
  if (!open_probe(c, start, offer, res)) return res;
  auto greeting = c.read_line();
  if (!greeting) return done();
  if (protocol == MailProtocol::imap) {
    auto g = parse_imap_line(*greeting);
    if (!g || g->tag != "*" || g->status != ImapStatus::ok) {
      res.failure = ProbeFailure::garbage;
      res.error = "not an IMAP greeting";
      return res;
    }
    std::vector<std::string> caps = g->capabilities;
    if (caps.empty()) {  // ask
      if (!c.write("a1 CAPABILITY\r\n")) return done();
      while (true) {
        auto l = c.read_line();
        if (!l) return done();
        auto p = parse_imap_line(*l);
        if (!p) {
          res.failure = ProbeFailure::garbage;
          res.error = p.error().message;
          return res;
        }
        if (p->tag == "*" && !p->capabilities.empty()) caps = p->capabilities;
        if (p->tag == "a1") break;
      }
    }
    res.capabilities_plain = caps;
    res.login_disabled = g->has_capability("LOGINDISABLED");
    for (const auto& cap : caps) {
      if (cap == "LOGINDISABLED") res.login_disabled = true;
      if (cap == "STARTTLS") res.stls_offered = true;
    }
    if (start == TlsStart::implicit) {
      c.write("a9 LOGOUT\r\n");
      return done();
    }
    if (!res.stls_offered) {
      res.failure = ProbeFailure::refused;
      res.error = "STARTTLS not offered";
      return res;
    }
    if (!c.write("a2 STARTTLS\r\n")) return done();
    while (true) {
      auto l = c.read_line();
      if (!l) return done();
      auto p = parse_imap_line(*l);
      if (!p) {
        res.failure = ProbeFailure::garbage;
        res.error = p.error().message;
        return res;
      }
      if (p->tag != "a2") continue;
      if (p->status != ImapStatus::ok) {
        res.failure = ProbeFailure::refused;
        res.error = "STARTTLS refused";
        return res;
      }
      break;
    }
  } else {
    auto g = parse_pop3_line(*greeting);
    if (!g || *g != Pop3Status::ok) {
      res.failure = ProbeFailure::garbage;
      res.error = "not a POP3 greeting";
      return res;
    }
    if (!c.write("CAPA\r\n")) return done();
    auto first = c.read_line();
    if (!first) return done();
    if (auto p = parse_pop3_line(*first); p && *p == Pop3Status::ok) {
      for (size_t n = 0; n < kMaxImapCapabilities; ++n) {
        auto l = c.read_line();
        if (!l) return done();
        if (*l == ".") break;
        res.capabilities_plain.push_back(*l);
        if (*l == "STLS") res.stls_offered = true;
      }
    }
    if (start == TlsStart::implicit) {
      c.write("QUIT\r\n");
      return done();
    }
    if (!res.stls_offered) {
      res.failure = ProbeFailure::refused;
      res.error = "STLS not offered";
      return res;
    }
    if (!c.write("STLS\r\n")) return done();
    auto l = c.read_line();
    if (!l) return done();
    if (auto p = parse_pop3_line(*l); !p || *p != Pop3Status::ok) {
      res.failure = ProbeFailure::refused;
      res.error = "STLS refused";
      return res;
    }
  }
  res.tls = c.start_tls(offer);
  if (!res.tls) return done();
  return res;
}

}  // namespace postern::audit
