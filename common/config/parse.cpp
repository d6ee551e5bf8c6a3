// Converts TOML text to a ConfigNode tree with toml11. The only file that includes toml11; the
// rest of the config code works on ConfigNode. Input is untrusted: size and depth are bounded and
// every toml11 exception becomes a ConfigError with the line it names.
#include <algorithm>
#include <regex>
#include <sstream>
#include <toml.hpp>

#include "common/config/config.h"
#include "common/config/node.h"

namespace postern {
namespace {

using TomlValue = toml::basic_value<toml::discard_comments, std::unordered_map, std::vector>;

struct DepthError {};

ConfigNode convert(const TomlValue& v, size_t depth) {
  if (depth > kMaxConfigDepth) throw DepthError{};
  ConfigNode n;
  n.line = static_cast<int>(v.location().line());
  switch (v.type()) {
    case toml::value_t::boolean:
      n.kind = ConfigNode::Kind::boolean;
      n.b = v.as_boolean();
      break;
    case toml::value_t::integer:
      n.kind = ConfigNode::Kind::integer;
      n.i = v.as_integer();
      break;
    case toml::value_t::floating:
      n.kind = ConfigNode::Kind::floating;
      n.d = v.as_floating();
      break;
    case toml::value_t::string:
      n.kind = ConfigNode::Kind::string;
      n.s = v.as_string().str;
      break;
    case toml::value_t::array:
      n.kind = ConfigNode::Kind::array;
      for (const auto& e : v.as_array()) n.array.push_back(convert(e, depth + 1));
      break;
    case toml::value_t::table: {
      n.kind = ConfigNode::Kind::table;
      for (const auto& [k, e] : v.as_table()) n.table.push_back(ConfigEntry{k, convert(e, depth + 1)});
      std::stable_sort(n.table.begin(), n.table.end(),
                       [](const auto& a, const auto& b) { return a.value.line < b.value.line; });
      break;
    }
    default:
      n.kind = ConfigNode::Kind::other;  // dates and times: no key accepts them
      break;
  }
  return n;
}

// toml11's messages look like "[error] toml::parse_key_value_pair: ...\n --> FILE\n   |\n 12 | ...".
// Keep the first line's description and find the line number.
std::pair<int, std::string> summarise(const std::string& what) {
  std::string first = what.substr(0, what.find('\n'));
  const std::string tag = "[error] ";
  if (first.rfind(tag, 0) == 0) first = first.substr(tag.size());
  if (auto colon = first.find(": "); colon != std::string::npos && first.rfind("toml::", 0) == 0) {
    first = first.substr(colon + 2);
  }
  int line = 0;
  static const std::regex line_re(R"(\n\s*(\d+) \|)");
  // With several locations (a duplicate key names both), the last one is the offending line.
  for (auto it = std::sregex_iterator(what.begin(), what.end(), line_re); it != std::sregex_iterator();
       ++it) {
    line = std::stoi((*it)[1]);
  }
  return {line, first};
}

// toml11's parser recurses on nested inline arrays and tables; refuse absurd nesting before it
// sees the text. Strings and comments are skipped so brackets inside them do not count.
bool nesting_too_deep(std::string_view text, size_t limit) {
  size_t depth = 0;
  char quote = 0;
  bool comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (comment) {
      if (c == '\n') comment = false;
      continue;
    }
    if (quote) {
      if (c == '\\' && quote == '"')
        ++i;
      else if (c == quote)
        quote = 0;
      continue;
    }
    if (c == '#')
      comment = true;
    else if (c == '"' || c == '\'')
      quote = c;
    else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace

const char* kind_name(ConfigNode::Kind k) {
  switch (k) {
    case ConfigNode::Kind::boolean:
      return "a boolean";
    case ConfigNode::Kind::integer:
      return "an integer";
    case ConfigNode::Kind::floating:
      return "a float";
    case ConfigNode::Kind::string:
      return "a string";
    case ConfigNode::Kind::array:
      return "an array";
    case ConfigNode::Kind::table:
      return "a table";
    case ConfigNode::Kind::other:
      return "a date/time";
  }
  return "a value";
}

ConfigNode parse_toml(std::string_view text, ReaderContext& ctx) {
  ConfigNode empty;
  empty.kind = ConfigNode::Kind::table;
  if (text.size() > kMaxConfigBytes) {
    ctx.error(0, "", "file is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
    return empty;
  }
  if (text.find('\0') != std::string_view::npos) {
    ctx.error(0, "", "file contains a NUL byte; not a text file");
    return empty;
  }
  if (nesting_too_deep(text, 4 * kMaxConfigDepth)) {
    ctx.error(0, "", "nesting deeper than " + std::to_string(kMaxConfigDepth) + " levels");
    return empty;
  }
  try {
    std::istringstream in{std::string(text)};
    TomlValue root = toml::parse<toml::discard_comments, std::unordered_map, std::vector>(in, ctx.file);
    return convert(root, 0);
  } catch (const DepthError&) {
    ctx.error(0, "", "nesting deeper than " + std::to_string(kMaxConfigDepth) + " levels");
  } catch (const toml::exception& e) {
    auto [line, msg] = summarise(e.what());
    ctx.error(line, "", "TOML syntax: " + msg);
  } catch (const std::exception& e) {
    auto [line, msg] = summarise(e.what());
    ctx.error(line, "", "TOML syntax: " + msg);
  }
  return empty;
}

}  // namespace postern
