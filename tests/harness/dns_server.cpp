// Implements TestDnsServer (contract in dns_server.h).
#include "tests/harness/dns_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace postern::test {

namespace {

constexpr int kMaxChase = 8;
constexpr size_t kMaxMessage = 65535;
constexpr int kTcpIdleMs = 2000;
constexpr int kBindAttempts = 50;
constexpr size_t kMaxTcpWorkers = 64;

std::string normalize(std::string_view s) {
  std::string out(s);
  while (!out.empty() && out.back() == '.') out.pop_back();
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string rdf_name(const ldns_rdf* rdf) {
  char* s = ldns_rdf2str(rdf);
  std::string out = s ? normalize(s) : std::string();
  std::free(s);
  return out;
}

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using PktPtr = std::unique_ptr<ldns_pkt, PktFree>;

bool read_full(int fd, uint8_t* buf, size_t len, int stop_fd) {
  size_t got = 0;
  while (got < len) {
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    int r = ::poll(p, 2, kTcpIdleMs);
    if (r <= 0 || (p[1].revents & POLLIN)) return false;
    ssize_t n = ::read(fd, buf + got, len - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

void write_full(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

}  // namespace

struct TestDnsServer::Data {
  std::multimap<std::string, ldns_rr*> records;
  std::map<std::string, DnsBehavior> behaviors;
  DnsBehavior default_behavior = DnsBehavior::normal;
  std::map<std::string, int> counts;
  int total = 0;
  ldns_rr* default_soa = nullptr;

  ~Data() {
    for (auto& [name, rr] : records) ldns_rr_free(rr);
    ldns_rr_free(default_soa);
  }

  bool exists(const std::string& name) const {
    for (const auto& [owner, rr] : records) {
      if (owner == name) return true;
      if (owner.size() > name.size() && owner.compare(owner.size() - name.size(), name.size(), name) == 0 &&
          (name.empty() || owner[owner.size() - name.size() - 1] == '.'))
        return true;
    }
    return false;
  }

  // The RRSIG records at name covering type (DNSSEC: a loaded signed zone carries them).
  std::vector<const ldns_rr*> signatures(const std::string& name, ldns_rr_type type) const {
    std::vector<const ldns_rr*> out;
    auto [b, e] = records.equal_range(name);
    for (auto it = b; it != e; ++it) {
      const ldns_rr* rr = it->second;
      if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG && ldns_rr_rrsig_typecovered(rr) &&
          ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type)
        out.push_back(rr);
    }
    return out;
  }

  const ldns_rr* soa_for(const std::string& name) const {
    std::string n = name;
    for (;;) {
      auto [b, e] = records.equal_range(n);
      for (auto it = b; it != e; ++it)
        if (ldns_rr_get_type(it->second) == LDNS_RR_TYPE_SOA) return it->second;
      if (n.empty()) break;
      size_t dot = n.find('.');
      n = dot == std::string::npos ? std::string() : n.substr(dot + 1);
    }
    return default_soa;
  }
};

TestDnsServer::TestDnsServer(int port) : data_(std::make_unique<Data>()) {
  ldns_rr* soa = nullptr;
  if (ldns_rr_new_frm_str(&soa, "test. 300 IN SOA ns.test. hostmaster.test. 1 3600 600 86400 300", 0, nullptr,
                          nullptr) != LDNS_STATUS_OK)
    throw std::runtime_error("TestDnsServer: default SOA");
  data_->default_soa = soa;

  for (int attempt = 0; attempt < kBindAttempts; ++attempt) {
    int u = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int t = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (u < 0 || t < 0) throw std::runtime_error("TestDnsServer: socket");
    int one = 1;
    ::setsockopt(t, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sa.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = ::bind(u, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
    if (ok) {
      socklen_t len = sizeof sa;
      ::getsockname(u, reinterpret_cast<sockaddr*>(&sa), &len);
      ok = ::bind(t, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 && ::listen(t, 64) == 0;
    }
    if (ok) {
      udp_fd_ = u;
      tcp_fd_ = t;
      port_ = ntohs(sa.sin_port);
      break;
    }
    ::close(u);
    ::close(t);
    if (port != 0) break;
  }
  if (udp_fd_ < 0) throw std::runtime_error("TestDnsServer: cannot bind UDP+TCP port");
  if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("TestDnsServer: pipe");
  thread_ = std::thread([this] { run(); });
}

TestDnsServer::~TestDnsServer() {
  char c = 'x';
  if (::write(stop_pipe_[1], &c, 1) < 0) {
  }
  if (thread_.joinable()) thread_.join();
  for (auto& w : tcp_workers_) w.thread.join();
  ::close(udp_fd_);
  ::close(tcp_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

std::string TestDnsServer::address() const { return "127.0.0.1:" + std::to_string(port_); }

bool TestDnsServer::add_txt(std::string_view name, std::string_view value, uint32_t ttl) {
  std::string rdata;
  for (size_t i = 0; i < value.size() || i == 0; i += 255) {
    rdata += i ? " \"" : "\"";
    for (char c : value.substr(i, 255)) {
      if (c == '"' || c == '\\') rdata += '\\';
      rdata += c;
    }
    rdata += '"';
  }
  return add(name, "TXT", rdata, ttl);
}

bool TestDnsServer::add(std::string_view name, std::string_view type, std::string_view rdata, uint32_t ttl) {
  std::string owner = normalize(name);
  std::string line =
      owner + ". " + std::to_string(ttl) + " IN " + std::string(type) + " " + std::string(rdata);
  ldns_rr* rr = nullptr;
  if (ldns_rr_new_frm_str(&rr, line.c_str(), ttl, nullptr, nullptr) != LDNS_STATUS_OK) return false;
  std::lock_guard lock(mu_);
  data_->records.emplace(owner, rr);
  return true;
}

bool TestDnsServer::add(std::string_view name, RrType type, std::string_view rdata, uint32_t ttl) {
  return add(name, to_string(type), rdata, ttl);
}

bool TestDnsServer::load_zone(const std::string& path) {
  FILE* fp = std::fopen(path.c_str(), "r");
  if (!fp) return false;
  ldns_zone* zone = nullptr;
  int line = 0;
  ldns_status st = ldns_zone_new_frm_fp_l(&zone, fp, nullptr, 3600, LDNS_RR_CLASS_IN, &line);
  std::fclose(fp);
  if (st != LDNS_STATUS_OK) return false;
  std::lock_guard lock(mu_);
  if (const ldns_rr* soa = ldns_zone_soa(zone)) {
    data_->records.emplace(rdf_name(ldns_rr_owner(soa)), ldns_rr_clone(soa));
  }
  const ldns_rr_list* rrs = ldns_zone_rrs(zone);
  for (size_t i = 0; i < ldns_rr_list_rr_count(rrs); ++i) {
    const ldns_rr* rr = ldns_rr_list_rr(rrs, i);
    data_->records.emplace(rdf_name(ldns_rr_owner(rr)), ldns_rr_clone(rr));
  }
  ldns_zone_deep_free(zone);
  return true;
}

void TestDnsServer::remove(std::string_view name) {
  std::lock_guard lock(mu_);
  auto [b, e] = data_->records.equal_range(normalize(name));
  for (auto it = b; it != e; ++it) ldns_rr_free(it->second);
  data_->records.erase(b, e);
}

void TestDnsServer::set_behavior(std::string_view name, DnsBehavior b) {
  std::lock_guard lock(mu_);
  data_->behaviors[normalize(name)] = b;
}

void TestDnsServer::set_default_behavior(DnsBehavior b) {
  std::lock_guard lock(mu_);
  data_->default_behavior = b;
}

int TestDnsServer::queries(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = data_->counts.find(normalize(name));
  return it == data_->counts.end() ? 0 : it->second;
}

int TestDnsServer::total_queries() const {
  std::lock_guard lock(mu_);
  return data_->total;
}

std::string TestDnsServer::respond(const uint8_t* data, size_t len, bool tcp, bool& send) {
  send = false;
  ldns_pkt* raw = nullptr;
  if (ldns_wire2pkt(&raw, data, len) != LDNS_STATUS_OK) return {};
  PktPtr q(raw);
  if (ldns_pkt_qr(q.get()) || ldns_pkt_qdcount(q.get()) != 1) return {};
  const ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(q.get()), 0);
  std::string name = rdf_name(ldns_rr_owner(question));
  ldns_rr_type qtype = ldns_rr_get_type(question);
  uint16_t id = ldns_pkt_id(q.get());
  if (tcp) ++tcp_queries_;

  std::lock_guard lock(mu_);
  ++data_->counts[name];
  ++data_->total;
  auto bit = data_->behaviors.find(name);
  DnsBehavior behavior = bit == data_->behaviors.end() ? data_->default_behavior : bit->second;
  send = true;
  switch (behavior) {
    case DnsBehavior::drop:
      send = false;
      return {};
    case DnsBehavior::garbage:
      return "this is not a DNS message, not even close";
    case DnsBehavior::short_reply:
      return std::string{static_cast<char>(id >> 8), static_cast<char>(id & 0xff), '\x81', '\x80', '\x00'};
    default:
      break;
  }

  auto build = [&](bool with_records) {
    PktPtr r(ldns_pkt_new());
    ldns_pkt_set_id(r.get(), behavior == DnsBehavior::wrong_id ? static_cast<uint16_t>(id ^ 0x5a5a) : id);
    ldns_pkt_set_qr(r.get(), true);
    ldns_pkt_set_aa(r.get(), true);
    ldns_pkt_set_rd(r.get(), ldns_pkt_rd(q.get()));
    ldns_pkt_set_ra(r.get(), true);
    ldns_pkt_set_ad(r.get(), ad_.load());
    ldns_pkt_set_opcode(r.get(), LDNS_PACKET_QUERY);
    ldns_pkt_push_rr(r.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));
    if (ldns_pkt_edns(q.get())) ldns_pkt_set_edns_udp_size(r.get(), 1232);
    // DNSSEC OK: answers and negative answers carry the signatures of a loaded signed zone (RRSIG
    // records), negative ones every NSEC record of the data with theirs, which holds the proof a
    // validating resolver needs (test zones are small).
    const bool dnssec_ok = ldns_pkt_edns_do(q.get());
    if (dnssec_ok) ldns_pkt_set_edns_do(r.get(), true);
    auto push_signed = [&](ldns_pkt_section section, const ldns_rr* rr) {
      ldns_pkt_push_rr(r.get(), section, ldns_rr_clone(rr));
    };
    auto push_sigs = [&](ldns_pkt_section section, const std::string& owner, ldns_rr_type type) {
      if (!dnssec_ok) return;
      for (const ldns_rr* sig : data_->signatures(owner, type)) push_signed(section, sig);
    };
    if (behavior == DnsBehavior::servfail) {
      ldns_pkt_set_rcode(r.get(), LDNS_RCODE_SERVFAIL);
      return r;
    }
    if (behavior == DnsBehavior::refused) {
      ldns_pkt_set_rcode(r.get(), LDNS_RCODE_REFUSED);
      return r;
    }
    if (!with_records) {
      ldns_pkt_set_tc(r.get(), true);
      return r;
    }
    std::string current = name;
    for (int depth = 0; depth <= kMaxChase; ++depth) {
      auto [b, e] = data_->records.equal_range(current);
      bool found = false;
      const ldns_rr* cname = nullptr;
      for (auto it = b; it != e; ++it) {
        ldns_rr_type t = ldns_rr_get_type(it->second);
        if (t == qtype || qtype == LDNS_RR_TYPE_ANY) {
          ldns_pkt_push_rr(r.get(), LDNS_SECTION_ANSWER, ldns_rr_clone(it->second));
          found = true;
        } else if (t == LDNS_RR_TYPE_CNAME) {
          cname = it->second;
        }
      }
      if (found) {
        if (qtype != LDNS_RR_TYPE_ANY) push_sigs(LDNS_SECTION_ANSWER, current, qtype);
        break;
      }
      if (cname) {
        ldns_pkt_push_rr(r.get(), LDNS_SECTION_ANSWER, ldns_rr_clone(cname));
        push_sigs(LDNS_SECTION_ANSWER, current, LDNS_RR_TYPE_CNAME);
        if (behavior == DnsBehavior::cname_only) break;
        current = rdf_name(ldns_rr_rdf(cname, 0));
        continue;
      }
      if (!data_->exists(current)) ldns_pkt_set_rcode(r.get(), LDNS_RCODE_NXDOMAIN);
      const ldns_rr* soa = data_->soa_for(current);
      ldns_pkt_push_rr(r.get(), LDNS_SECTION_AUTHORITY, ldns_rr_clone(soa));
      if (dnssec_ok) {
        push_sigs(LDNS_SECTION_AUTHORITY, rdf_name(ldns_rr_owner(soa)), LDNS_RR_TYPE_SOA);
        for (const auto& [owner, rr] : data_->records) {
          if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NSEC) continue;
          push_signed(LDNS_SECTION_AUTHORITY, rr);
          push_sigs(LDNS_SECTION_AUTHORITY, owner, LDNS_RR_TYPE_NSEC);
        }
      }
      break;
    }
    return r;
  };

  auto wire = [](const PktPtr& p) {
    uint8_t* buf = nullptr;
    size_t size = 0;
    std::string out;
    if (ldns_pkt2wire(&buf, p.get(), &size) == LDNS_STATUS_OK) out.assign(reinterpret_cast<char*>(buf), size);
    std::free(buf);
    return out;
  };

  bool full = tcp || behavior != DnsBehavior::truncate;
  std::string out = wire(build(full));
  if (!tcp && full) {
    size_t limit = 512;
    if (ldns_pkt_edns(q.get()) && ldns_pkt_edns_udp_size(q.get()) > limit)
      limit = ldns_pkt_edns_udp_size(q.get());
    if (out.size() > limit) out = wire(build(false));
  }
  return out;
}

void TestDnsServer::serve_tcp(int fd) {
  for (;;) {
    uint8_t lenbuf[2];
    if (!read_full(fd, lenbuf, 2, stop_pipe_[0])) return;
    size_t len = static_cast<size_t>(lenbuf[0]) << 8 | lenbuf[1];
    std::vector<uint8_t> msg(len);
    if (!read_full(fd, msg.data(), len, stop_pipe_[0])) return;
    bool send = false;
    std::string out = respond(msg.data(), len, true, send);
    if (!send) continue;
    if (out.size() > kMaxMessage) return;
    std::string framed;
    framed += static_cast<char>(out.size() >> 8);
    framed += static_cast<char>(out.size() & 0xff);
    framed += out;
    write_full(fd, framed);
  }
}

void TestDnsServer::run() {
  std::vector<uint8_t> buf(kMaxMessage);
  for (;;) {
    pollfd p[3] = {{udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    int r = ::poll(p, 3, -1);
    if (r < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[2].revents) return;
    if (p[0].revents & POLLIN) {
      sockaddr_storage from{};
      socklen_t flen = sizeof from;
      ssize_t n = ::recvfrom(udp_fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &flen);
      if (n > 0) {
        bool send = false;
        std::string out = respond(buf.data(), static_cast<size_t>(n), false, send);
        if (send) ::sendto(udp_fd_, out.data(), out.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
      }
    }
    if (p[1].revents & POLLIN) {
      std::erase_if(tcp_workers_, [](TcpWorker& w) {
        if (!w.done->load()) return false;
        w.thread.join();
        return true;
      });
      int c = ::accept4(tcp_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0 && tcp_workers_.size() >= kMaxTcpWorkers) {
        ::close(c);
      } else if (c >= 0) {
        auto done = std::make_shared<std::atomic<bool>>(false);
        tcp_workers_.push_back({std::thread([this, c, done] {
                                  serve_tcp(c);
                                  ::close(c);
                                  done->store(true);
                                }),
                                done});
      }
    }
  }
}

}  // namespace postern::test
