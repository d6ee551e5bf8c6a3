// PolicyServiceFixture: what the PolicyService decision tests share: a FakeClock, a MemoryStore,
// the daemon's resolver asking a test DNS server (the suite adds its records), a config the suite
// edits before the first decision, the log in memory, and decide() for one RCPT request (the
// service is built, and init() checked, at the first decision after a reset). Trusts its callers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "common/dns/factory.h"
#include "common/mail/alert_queue.h"
#include "common/policy/service.h"
#include "common/store/memory_store.h"
#include "tests/harness/dns_server.h"

namespace postern::test {

class PolicyServiceFixture : public ::testing::Test {
 protected:
  explicit PolicyServiceFixture(std::chrono::milliseconds dns_timeout) : store_(clock_) {
    DnsConfig dc;
    dc.servers = {dns_.address()};
    dc.timeout = dns_timeout;
    dc.retries = 0;
    resolver_ = *make_resolver(dc, clock_);
    log_ = std::make_shared<Logger>(sink_, LogLevel::debug);
  }

  // The service as configured now (built at the first call after service_.reset()).
  PolicyService& service() {
    if (!service_) {
      service_ = std::make_unique<PolicyService>(config_, store_, *resolver_, clock_, log_, nullptr, guard_,
                                                 alerts_);
      auto problems = service_->init();
      EXPECT_TRUE(problems.empty()) << problems.front();
    }
    return *service_;
  }
  // One RCPT-stage request as Postfix sends it for an unauthenticated client.
  std::string decide(const std::string& ip, const std::string& sender = "a@example.org",
                     const std::string& helo = "", const std::string& rcpt = "rcpt@example.net") {
    PolicyRequest r;
    r.attrs = {{"request", "smtpd_access_policy"},
               {"protocol_state", "RCPT"},
               {"client_address", ip},
               {"client_name", "unknown"},
               {"reverse_client_name", "unknown"},
               {"helo_name", helo},
               {"sender", sender},
               {"recipient", rcpt}};
    return service().decide(r);
  }
  // How many times needle is in the log.
  size_t logged(const std::string& needle) const {
    size_t n = 0;
    const std::string t = sink_->text();
    for (size_t p = t.find(needle); p != std::string::npos; p = t.find(needle, p + 1)) ++n;
    return n;
  }

  FakeClock clock_;
  MemoryStore store_;
  TestDnsServer dns_;
  std::shared_ptr<Resolver> resolver_;
  PolicydConfig config_;
  AccountGuardConfig guard_;
  std::shared_ptr<AlertQueue> alerts_;  // null: the service makes its own when it needs one
  std::shared_ptr<MemorySink> sink_ = std::make_shared<MemorySink>();
  std::shared_ptr<Logger> log_;
  std::unique_ptr<PolicyService> service_;
};

}  // namespace postern::test
