// ConfigNode and ReaderContext: the parsed configuration tree (independent of toml++) and the state
// shared by every SectionReader of one parse: file name, errors, effective-config output.
// Internal to common/config.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/config/reader.h"

namespace postern {

// Limits on the parsed tree, enforced by parse_toml (parse.cpp), with kMaxConfigBytes (config.h).
inline constexpr size_t kMaxConfigDepth = 8;            // tables and arrays nested (the schema needs 4)
inline constexpr size_t kMaxConfigDotsPerLine = 128;    // outside strings: bounds dotted keys (parse.cpp)
inline constexpr size_t kMaxConfigArrayItems = 100000;  // the longest list the schema takes
inline constexpr size_t kMaxConfigTableKeys = 1024;
inline constexpr size_t kMaxConfigStringBytes = 65536;

struct ConfigEntry;

struct ConfigNode {
  enum class Kind { boolean, integer, floating, string, array, table, other };
  Kind kind = Kind::other;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<ConfigNode> array;
  std::vector<ConfigEntry> table;  // in file order
  int line = 0;

  const ConfigNode* find(std::string_view key) const;
};

struct ConfigEntry {
  std::string key;
  ConfigNode value;
};

inline const ConfigNode* ConfigNode::find(std::string_view key) const {
  for (const auto& e : table) {
    if (e.key == key) return &e.value;
  }
  return nullptr;
}

const char* kind_name(ConfigNode::Kind k);

struct EffectiveBlock {
  std::string header;  // "[dns]" or "[[milter.dkim.key]]"; empty for the root
  std::vector<std::string> lines;
};

struct ReaderContext {
  std::string file;
  std::vector<ConfigError> errors;
  std::vector<EffectiveBlock> blocks;

  void error(int line, std::string key, std::string message) {
    errors.push_back({file, line, std::move(key), std::move(message)});
  }
  size_t new_block(std::string header) {
    blocks.push_back({std::move(header), {}});
    return blocks.size() - 1;
  }
  std::string render() const;
};

// Parses TOML text into a root table. Syntax errors are added to ctx.errors (with line numbers);
// the returned tree is then empty.
ConfigNode parse_toml(std::string_view text, ReaderContext& ctx);

}  // namespace postern
