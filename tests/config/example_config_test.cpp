// etc/postern.conf.example must parse without errors and mention every key of the effective
// configuration, so the example can never fall behind the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/config/config.h"

namespace postern {
namespace {

std::string example_path() { return std::string(POSTERN_SOURCE_DIR) + "/etc/postern.conf.example"; }

TEST(ExampleConfig, ParsesWithoutErrors) {
  auto r = load_config(example_path());
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
}

TEST(ExampleConfig, ListsEveryKeyWithItsDefault) {
  std::ifstream in(example_path());
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string example = ss.str();
  // The effective config of an empty file is every key at its default.
  auto defaults = parse_config("", "empty.conf");
  ASSERT_TRUE(defaults.ok());
  std::istringstream lines(defaults.effective);
  std::string line, section;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line[0] == '[') {
      section = line;
      EXPECT_NE(example.find(line + "\n"), std::string::npos) << "section missing from the example: " << line;
      continue;
    }
    // "key = value" must appear verbatim (the example shows defaults, uncommented).
    EXPECT_NE(example.find("\n" + line + "\n"), std::string::npos)
        << "in " << section << ": key missing from etc/postern.conf.example or its default differs: " << line;
  }
}

TEST(ExampleConfig, EffectiveConfigOfTheExampleEqualsTheDefaults) {
  auto example = load_config(example_path());
  auto defaults = parse_config("", "empty.conf");
  EXPECT_EQ(example.effective, defaults.effective);
}

}  // namespace
}  // namespace postern
