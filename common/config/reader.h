// SectionReader: strict, typed access to one table of the parsed postern.conf. Every read states
// the type and the allowed range; a wrong type, an out-of-range value or (at finish()) a key nobody
// read becomes an error naming file, line, full key and what is allowed. Every read also records
// the effective value (the file's or the default), which `posternctl config check` prints.
// The TOML itself is parsed by toml++ in parse.cpp only; nothing else includes toml++.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace postern {

// The largest configuration file read (parse.cpp refuses a larger text before parsing it).
inline constexpr size_t kMaxConfigBytes = 1024 * 1024;

struct ConfigError {
  std::string file;
  int line = 0;  // 0 when unknown (e.g. a missing required key)
  std::string key;
  std::string message;
  std::string str() const;  // "FILE:LINE: KEY: MESSAGE"
};

// One allowed value of a choice read into an enum: its name in the file and the value. Each enum's
// table is defined once beside it (e.g. kSenderModes in sender_config.h) and serves both the reader
// and choice_name() for logs.
template <class E>
struct Choice {
  std::string_view name;
  E value;
};

// The name of value in table; "" when it has none (a table always names every value).
template <class E, size_t N>
constexpr std::string_view choice_name(E value, const Choice<E> (&table)[N]) {
  for (const auto& c : table) {
    if (c.value == value) return c.name;
  }
  return "";
}

struct ConfigNode;     // parsed TOML value with its source line (parse.cpp)
struct ReaderContext;  // file name, errors, effective-config output (parse.cpp)

class SectionReader {
 public:
  SectionReader(std::shared_ptr<ReaderContext> ctx, const ConfigNode* table, std::string path,
                bool array_item = false);
  ~SectionReader();
  SectionReader(SectionReader&&) noexcept;
  SectionReader& operator=(SectionReader&&) noexcept;

  void boolean(std::string_view key, bool& out);
  void string(std::string_view key, std::string& out, size_t max_len = 4096);
  // A string that must not be shown: the effective config prints "(set)" instead of the value.
  void secret(std::string_view key, std::string& out, size_t max_len = 4096);
  void choice(std::string_view key, std::string& out, std::initializer_list<std::string_view> allowed);
  // A file or program path that must be absolute; empty is allowed only when optional.
  void path(std::string_view key, std::string& out, bool optional);
  // A plain mail address (local@domain, printable ASCII, no angle brackets) such as
  // postmaster@example.org, for alert mail; empty = none.
  void address(std::string_view key, std::string& out);
  // A choice parsed once, here, into an enum: the value must be one of table's names (the error
  // lists them in table order, as the string form does); the effective configuration prints the name.
  template <class E, size_t N>
  void choice(std::string_view key, E& out, const Choice<E> (&table)[N]) {
    std::string_view names[N];
    std::string current;
    for (size_t i = 0; i < N; ++i) names[i] = table[i].name;
    current = std::string(choice_name(out, table));
    choose(key, current, std::span<const std::string_view>(names, N));
    for (const auto& c : table) {
      if (c.name == current) out = c.value;
    }
  }
  void integer(std::string_view key, int64_t& out, int64_t min, int64_t max);
  template <class Int>
  void integer(std::string_view key, Int& out, int64_t min, int64_t max) {
    int64_t v = static_cast<int64_t>(out);
    integer(key, v, min, max);
    out = static_cast<Int>(v);
  }
  // A duration: an integer number of seconds, or a string with a unit: "500ms", "30s", "5m", "2h", "35d".
  void duration(std::string_view key, std::chrono::milliseconds& out, std::chrono::milliseconds min,
                std::chrono::milliseconds max);
  void duration(std::string_view key, std::chrono::seconds& out, std::chrono::seconds min,
                std::chrono::seconds max);
  void strings(std::string_view key, std::vector<std::string>& out, size_t max_items = 1024,
               size_t max_len = 4096);
  // A sub-table (an absent one reads as empty, so every default is still recorded).
  SectionReader table(std::string_view key);
  // An array of tables ([[section.key]]).
  std::vector<SectionReader> tables(std::string_view key, size_t max_items = 1024);
  bool has(std::string_view key) const;
  // Reports a validation error at key's line (or the table's line if key is absent).
  void error(std::string_view key, std::string message);
  // Reports every key of this table that was never read as unknown. Called by the destructor too.
  void finish();

  const std::string& path() const { return path_; }

 private:
  std::shared_ptr<ReaderContext> ctx_;
  const ConfigNode* table_ = nullptr;
  std::string path_;
  std::vector<std::string> read_;
  bool finished_ = false;
  size_t block_ = 0;

  std::string full_key(std::string_view key) const;
  void choose(std::string_view key, std::string& out, std::span<const std::string_view> allowed);
  const ConfigNode* lookup(std::string_view key);
  void record(std::string_view key, std::string rendered);
};

}  // namespace postern
