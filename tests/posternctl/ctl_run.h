// Test helpers shared by the posternctl suites that run the binary as an admin would
// (dns_records_test, dns_records_transport_test, audit_test): run posternctl (POSTERNCTL, the
// path CMake gives each suite) with arguments, look for text in its output, and take the "; "
// comment lines printed under a record line of dns-records.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "tests/harness/process.h"

namespace postern::test {

inline CommandResult ctl(std::vector<std::string> args,
                         std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
  args.insert(args.begin(), POSTERNCTL);
  return run_command(args, "", timeout);
}

inline bool has(const std::string& out, const std::string& text) {
  return out.find(text) != std::string::npos;
}

// The "; ..." lines of out after the line that starts with `after`, up to the next record line
// (one not starting with ';'), as one string; "<no line AFTER>" when there is no such line.
inline std::string comments_after(const std::string& out, const std::string& after) {
  size_t at = out.find("\n" + after);
  if (at == std::string::npos) return "<no line " + after + ">";
  size_t pos = out.find('\n', at + 1) + 1;
  std::string got;
  while (pos < out.size() && out[pos] == ';') {
    size_t nl = out.find('\n', pos);
    got += out.substr(pos, nl - pos) + "\n";
    pos = nl + 1;
  }
  return got;
}

}  // namespace postern::test
