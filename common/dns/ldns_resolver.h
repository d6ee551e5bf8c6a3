// LdnsResolver: a stub resolver talking to configured recursive servers. ldns builds queries and
// decodes answers (answer.h); the socket work is ours, non-blocking with poll(2), so query_all
// sends every query at once and waits for all under one deadline. Per attempt: a fresh UDP socket
// (random source port), a random id, a per-attempt timeout; the reply must come from the server
// we asked, carry our id and our question, or it is ignored. Retries rotate over the servers,
// starting from the first one that has not timed out or refused us in the last kServerPenalty, so a
// dead first server does not cost every query a full attempt timeout.
// TC=1 answers are re-asked over TCP (2-byte length framing, bounded by kMaxTcpMessage). CNAMEs
// not resolved inside an answer are chased by asking again (at most kMaxCnameChain times).
// Thread-safe: no shared mutable state except the injected Random (itself thread-safe).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <vector>

#include "common/core/random.h"
#include "common/dns/resolver.h"
#include "common/dns/server_spec.h"

namespace postern {

inline constexpr size_t kMaxTcpMessage = 65535;
inline constexpr uint16_t kEdnsUdpSize = 1232;
inline constexpr std::chrono::seconds kServerPenalty{30};
// query_all keeps at most this many queries (sockets) in flight; larger batches go in chunks.
inline constexpr size_t kMaxParallelQueries = 128;

struct LdnsResolverOptions {
  std::chrono::milliseconds attempt_timeout{2000};
  int retries = 2;
  bool tcp_fallback = true;
  bool cname_chase = true;
};

class LdnsResolver final : public Resolver {
 public:
  LdnsResolver(std::vector<DnsServer> servers, LdnsResolverOptions options, std::shared_ptr<Random> random);

  DnsResult query(std::string_view name, RrType type, Deadline deadline) override;
  std::vector<DnsResult> query_all(std::span<const DnsQuery> queries, Deadline deadline) override;

 private:
  class Batch;  // the queries of one query_all call in flight (ldns_resolver.cpp)

  size_t preferred_server() const;
  void penalise(size_t server);
  void forgive(size_t server);

  std::vector<DnsServer> servers_;
  LdnsResolverOptions options_;
  std::shared_ptr<Random> random_;
  // Per server: steady_clock nanoseconds until which it is tried last. Relaxed atomics: a hint.
  std::unique_ptr<std::atomic<int64_t>[]> penalised_until_;
};

}  // namespace postern
