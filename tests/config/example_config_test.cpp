// etc/postern.conf.example must parse without errors and mention every key of the effective
// configuration, so the example can never fall behind the code: every key it shows (the commented
// [[dkim.key]] example and the commented sample values too) is accepted by `posternctl config
// check`, and every key the config reader reads (its effective configuration, array tables
// included) appears in the example.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "common/config/config.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern {
namespace {

std::string example_path() { return std::string(POSTERN_SOURCE_DIR) + "/etc/postern.conf.example"; }

std::string example_text() {
  std::ifstream in(example_path());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The commented sample table at the end of the example ("#   [[dkim.key]]" and what follows),
// uncommented: the example as an admin with one signing key has it.
std::string example_with_sample_key() {
  const std::string text = example_text();
  const std::string marker = "\n#   [[dkim.key]]\n";
  size_t at = text.find(marker);
  if (at == std::string::npos) return "";
  std::string out = text.substr(0, at + 1);
  std::istringstream rest(text.substr(at + 1));
  std::string line;
  while (std::getline(rest, line)) out += (line.rfind("#   ", 0) == 0 ? line.substr(4) : line) + "\n";
  return out;
}

// "section.key" for every uncommented "key = value" line of a TOML text ("[a.b]" and "[[a.b]]"
// name the section).
std::set<std::string> keys_of(const std::string& text) {
  static const std::regex section(R"(^\[\[?([a-z0-9_.]+)\]\]?\s*$)");
  static const std::regex key(R"(^([a-z0-9_]+) = .*$)");
  std::set<std::string> out;
  std::istringstream lines(text);
  std::string line, current;
  std::smatch m;
  while (std::getline(lines, line)) {
    if (std::regex_match(line, m, section))
      current = m[1];
    else if (std::regex_match(line, m, key))
      out.insert(current + "." + m[1].str());
  }
  return out;
}

TEST(ExampleConfig, ParsesWithoutErrors) {
  auto r = load_config(example_path());
  for (const auto& e : r.errors) ADD_FAILURE() << e.str();
}

// Every top-level section parse_config reads (its table, config_sections()) has its own header in
// the example, so a section added to the table cannot go undocumented.
TEST(ExampleConfig, DocumentsEverySectionOfTheTable) {
  const std::string example = example_text();
  ASSERT_FALSE(example.empty());
  ASSERT_GE(config_sections().size(), 11u);
  for (const ConfigSection& section : config_sections()) {
    EXPECT_NE(example.find("\n[" + std::string(section.name) + "]\n"), std::string::npos)
        << "section [" << section.name << "] of the config table is missing from etc/postern.conf.example";
  }
}

TEST(ExampleConfig, ListsEveryKeyWithItsDefault) {
  const std::string example = example_text();
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

// Every key the example shows, with the sample signing key uncommented, through the real
// posternctl: accepted (exit 0) and in force (listed in the effective configuration it prints).
TEST(ExampleConfig, EveryKeyOfTheExampleIsAcceptedByPosternctlConfigCheck) {
  const std::string text = example_with_sample_key();
  ASSERT_FALSE(text.empty()) << "the commented [[dkim.key]] sample is missing from the example";
  test::TempDir dir("postern-example");
  auto conf = dir.write("postern.conf", text);
  auto r = test::run_command({POSTERNCTL, "-c", conf.string(), "config", "check"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.rfind("ok ", 0), 0u) << r.output;
  const auto in_force = keys_of(r.output);
  const auto shown = keys_of(text);
  EXPECT_GT(shown.size(), 100u);
  for (const auto& k : shown) EXPECT_TRUE(in_force.count(k)) << k << " is in the example but not in force";
}

// Every key the reader reads (the effective configuration of the example with a signing key, so
// the keys of [[dkim.key]] tables count too) is shown in the example.
TEST(ExampleConfig, EveryKeyTheReaderReadsIsInTheExample) {
  const std::string text = example_with_sample_key();
  ASSERT_FALSE(text.empty());
  auto parsed = parse_config(text, "example-with-key.conf");
  for (const auto& e : parsed.errors) ADD_FAILURE() << e.str();
  const auto shown = keys_of(text);
  const auto read = keys_of(parsed.effective);
  EXPECT_TRUE(read.count("dkim.key.key_file"));
  for (const auto& k : read)
    EXPECT_TRUE(shown.count(k)) << k << " is read by the config reader but not in the example";
}

// The sample values in comments ("#   ip_lists = [...]") are accepted by the config reader as
// values of their key (type and range; list specs themselves are checked by postern-policyd -t).
TEST(ExampleConfig, CommentedSampleValuesAreAccepted) {
  const std::string text = example_text();
  static const std::regex section(R"(^\[\[?([a-z0-9_.]+)\]\]?\s*$)");
  static const std::regex sample(R"(^#\s+([a-z0-9_]+) = (.*)$)");
  std::istringstream lines(text);
  std::string line, current;
  std::smatch m;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line == "#   [[dkim.key]]") break;  // the sample table: EveryKeyOfTheExample... covers it
    if (std::regex_match(line, m, section)) {
      current = m[1];
      continue;
    }
    if (!std::regex_match(line, m, sample)) continue;
    ++samples;
    // The sample replaces the key's own line in its section.
    const std::string header = "\n[" + current + "]\n";
    size_t sec = text.find(header);
    ASSERT_NE(sec, std::string::npos) << current;
    size_t own = text.find("\n" + m[1].str() + " = ", sec);
    ASSERT_NE(own, std::string::npos) << current << "." << m[1] << ": the sample has no key line to replace";
    size_t own_end = text.find('\n', own + 1);
    std::string variant = text.substr(0, own + 1) + m[1].str() + " = " + m[2].str() + text.substr(own_end);
    auto parsed = parse_config(variant, "sample.conf");
    for (const auto& e : parsed.errors) ADD_FAILURE() << "sample " << line << ": " << e.str();
  }
  EXPECT_GE(samples, 2);
}

}  // namespace
}  // namespace postern
