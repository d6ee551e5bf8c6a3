// FakeResolver: an in-memory Resolver for the message decision's unit tests. TXT and A records by
// name; a name with records of another type is NODATA, any other name NXDOMAIN; a status may be
// forced per name (servfail, timeout) to make DNS trouble. Counts queries. Test-only code.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/core/ascii.h"
#include "common/dns/resolver.h"

namespace postern::test {

class FakeResolver final : public Resolver {
 public:
  void add(const std::string& name, RrType type, const std::string& text) {
    std::lock_guard g(mu_);
    records_[ascii_lower(name)].push_back({type, text});
  }
  void txt(const std::string& name, const std::string& text) { add(name, RrType::TXT, text); }
  void fail(const std::string& name, DnsStatus s) {
    std::lock_guard g(mu_);
    forced_[ascii_lower(name)] = s;
  }
  int queries() const {
    std::lock_guard g(mu_);
    return queries_;
  }

  DnsResult query(std::string_view name, RrType type, Deadline) override {
    std::lock_guard g(mu_);
    ++queries_;
    DnsResult r;
    std::string n = ascii_lower(name);
    if (auto it = forced_.find(n); it != forced_.end()) {
      r.status = it->second;
      r.detail = "forced by the test";
      return r;
    }
    auto it = records_.find(n);
    if (it == records_.end()) {
      r.status = DnsStatus::nxdomain;
      return r;
    }
    for (const auto& [t, text] : it->second) {
      if (t == type) r.records.push_back({text, 0, 300});
    }
    r.status = r.records.empty() ? DnsStatus::nodata : DnsStatus::answer;
    return r;
  }
  std::vector<DnsResult> query_all(std::span<const DnsQuery> qs, Deadline d) override {
    std::vector<DnsResult> out;
    for (const auto& q : qs) out.push_back(query(q.name, q.type, d));
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<std::pair<RrType, std::string>>> records_;
  std::map<std::string, DnsStatus> forced_;
  int queries_ = 0;
};

}  // namespace postern::test
