// TestDnsServer: a small authoritative DNS server for tests, on 127.0.0.1 (UDP and TCP on the
// same port, chosen at run time unless given), answering from records added by the test or loaded
// from zone files. Runs on its own thread; the destructor stops and joins it. Packets are built and
// parsed with ldns. Trusts its callers (tests); queries are parsed defensively and bad ones dropped.
//
// Semantics: an exact owner/type match is an answer; a CNAME at the name is followed inside the
// server's data (depth 8); a name that owns records (or has descendants) but none of the type is
// NODATA; any other name is NXDOMAIN. Negative answers carry the closest enclosing SOA (or a
// default "test." SOA, TTL and minimum 300) in the authority section. UDP answers larger than the
// query's EDNS buffer (512 without EDNS) are sent truncated (TC=1, empty), as a real server does.
// DNSSEC: a signed zone loaded with load_zone carries RRSIG and NSEC records; to a query with the
// DO bit, answers come with the RRSIGs covering them and negative answers with every NSEC record
// of the server's data and their RRSIGs (enough proof for a validating resolver; test zones are
// small). Without DO, none of them.
// Per-name behaviours (set at run time, with a default for all other names) simulate failures;
// a per-name counter counts queries.
// Each TCP connection is served on its own thread (at most kMaxTcpWorkers at once).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/dns/resolver.h"

namespace postern::test {

enum class DnsBehavior {
  normal,
  drop,         // no reply at all (the client times out)
  servfail,     // RCODE 2
  refused,      // RCODE 5
  truncate,     // over UDP: TC=1 with no records; over TCP: the full answer
  garbage,      // a reply that is not a DNS message
  short_reply,  // a reply shorter than a DNS header
  wrong_id,     // the right answer with a different query id
  cname_only,   // a CNAME at the name is returned alone, not followed (the client must re-ask)
};

class TestDnsServer {
 public:
  // port 0: a free port chosen at run time. Throws std::runtime_error if it cannot bind.
  explicit TestDnsServer(int port = 0);
  ~TestDnsServer();
  TestDnsServer(const TestDnsServer&) = delete;
  TestDnsServer& operator=(const TestDnsServer&) = delete;

  int port() const { return port_; }
  // "127.0.0.1:PORT", the form DnsConfig::servers takes.
  std::string address() const;

  // Adds one record; type is a mnemonic ("A", "TXT", "SOA", ...), rdata is presentation format
  // (TXT: "\"part one\" \"part two\""). Returns false if ldns cannot parse it.
  bool add(std::string_view name, std::string_view type, std::string_view rdata, uint32_t ttl = 300);
  bool add(std::string_view name, RrType type, std::string_view rdata, uint32_t ttl = 300);
  // Adds a TXT record holding value (e.g. a whole DKIM key record), cut into character-strings of
  // at most 255 bytes, with '"' and '\\' escaped. Returns false if ldns cannot parse it.
  bool add_txt(std::string_view name, std::string_view value, uint32_t ttl = 300);
  // Loads a standard zone file (with $ORIGIN / $TTL); false on a parse error.
  bool load_zone(const std::string& path);
  // Removes every record of name (all types).
  void remove(std::string_view name);

  void set_behavior(std::string_view name, DnsBehavior b);
  // The behaviour of every name without one of its own (normal unless set): drop makes a server
  // that receives and counts every query but never answers (a silent DNS server).
  void set_default_behavior(DnsBehavior b);
  void set_ad(bool on) { ad_ = on; }  // set the AD bit on every answer

  // Queries received for name (any type, any transport), and in total.
  int queries(std::string_view name) const;
  int total_queries() const;
  int tcp_queries() const { return tcp_queries_.load(); }

 private:
  struct Data;
  void run();
  std::string respond(const uint8_t* data, size_t len, bool tcp, bool& send);
  void serve_tcp(int fd);

  int port_ = 0;
  int udp_fd_ = -1;
  int tcp_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<bool> ad_{false};
  std::atomic<int> tcp_queries_{0};
  mutable std::mutex mu_;
  std::unique_ptr<Data> data_;  // guarded by mu_
  std::thread thread_;
  // One thread per TCP connection, so a slow or idle TCP client never blocks UDP. Touched only by
  // thread_ (which reaps finished ones) and by the destructor after thread_ has been joined.
  struct TcpWorker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<TcpWorker> tcp_workers_;
};

// A real LdnsResolver that asks only this server: one attempt per query (no retries) with the
// given per-attempt timeout, deterministic query ids.
std::unique_ptr<Resolver> make_test_resolver(
    const TestDnsServer& server, std::chrono::milliseconds attempt_timeout = std::chrono::milliseconds(150));

}  // namespace postern::test
