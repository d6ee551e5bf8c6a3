// Implements installed.h.
#include "tests/harness/installed.h"

#include <unistd.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>

namespace postern::test {

bool testing_installed() {
  const char* v = std::getenv("POSTERN_TEST_INSTALLED");
  return v && std::string_view(v) == "1";
}

std::string installed_or_built(const std::string& path) {
  if (!testing_installed()) return path;
  static constexpr std::array<std::string_view, 4> kOurs = {"postern-milter", "postern-policyd", "posternctl",
                                                            "postern-milter-client"};
  std::string name = std::filesystem::path(path).filename().string();
  for (auto ours : kOurs) {
    if (name != ours) continue;
    std::string installed = "/usr/sbin/" + name;
    if (access(installed.c_str(), X_OK) != 0)
      throw std::runtime_error("POSTERN_TEST_INSTALLED=1 but " + installed + " is not installed");
    return installed;
  }
  return path;
}

}  // namespace postern::test
