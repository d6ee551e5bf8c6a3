// Implements SectionReader: typed, range-checked reads with errors naming file, line and key, and
// the effective configuration output. Contract in reader.h.
#include "common/config/reader.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>

#include "common/config/node.h"

namespace postern {
namespace {

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out + "\"";
}

std::string describe(const ConfigNode& n) {
  switch (n.kind) {
    case ConfigNode::Kind::string:
      return toml_string(n.s.size() > 64 ? n.s.substr(0, 64) + "..." : n.s);
    case ConfigNode::Kind::integer:
      return std::to_string(n.i);
    case ConfigNode::Kind::boolean:
      return n.b ? "true" : "false";
    default:
      return kind_name(n.kind);
  }
}

std::string render_ms(std::chrono::milliseconds v) {
  int64_t ms = v.count();
  if (ms % 1000 != 0) return toml_string(std::to_string(ms) + "ms");
  int64_t s = ms / 1000;
  if (s != 0 && s % 86400 == 0) return toml_string(std::to_string(s / 86400) + "d");
  if (s != 0 && s % 3600 == 0) return toml_string(std::to_string(s / 3600) + "h");
  if (s != 0 && s % 60 == 0) return toml_string(std::to_string(s / 60) + "m");
  return toml_string(std::to_string(s) + "s");
}

// "500ms", "30s", "5m", "2h", "35d" or an integer number of seconds.
std::optional<std::chrono::milliseconds> parse_duration(const ConfigNode& n) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000;
  if (n.kind == ConfigNode::Kind::integer) {
    if (n.i < 0 || n.i > kMax / 1000) return std::nullopt;
    return std::chrono::milliseconds(n.i * 1000);
  }
  if (n.kind != ConfigNode::Kind::string || n.s.empty() || n.s.size() > 32) return std::nullopt;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(n.s.data(), n.s.data() + n.s.size(), value);
  if (ec != std::errc() || ptr == n.s.data() || value < 0) return std::nullopt;
  std::string_view unit(ptr, static_cast<size_t>(n.s.data() + n.s.size() - ptr));
  int64_t mult;
  if (unit == "ms")
    mult = 1;
  else if (unit == "s")
    mult = 1000;
  else if (unit == "m")
    mult = 60 * 1000;
  else if (unit == "h")
    mult = 3600 * 1000;
  else if (unit == "d")
    mult = 86400 * 1000;
  else
    return std::nullopt;
  if (value > kMax / mult) return std::nullopt;
  return std::chrono::milliseconds(value * mult);
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

}  // namespace

std::string ConfigError::str() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

SectionReader::SectionReader(std::shared_ptr<ReaderContext> ctx, const ConfigNode* table, std::string path,
                             bool array_item)
    : ctx_(std::move(ctx)), table_(table), path_(std::move(path)) {
  std::string header;
  if (!path_.empty()) header = array_item ? "[[" + path_ + "]]" : "[" + path_ + "]";
  block_ = ctx_->new_block(std::move(header));
}

SectionReader::~SectionReader() { finish(); }

SectionReader::SectionReader(SectionReader&& o) noexcept
    : ctx_(std::move(o.ctx_)),
      table_(o.table_),
      path_(std::move(o.path_)),
      read_(std::move(o.read_)),
      finished_(o.finished_),
      block_(o.block_) {
  o.finished_ = true;
}

SectionReader& SectionReader::operator=(SectionReader&& o) noexcept {
  if (this != &o) {
    finish();
    ctx_ = std::move(o.ctx_);
    table_ = o.table_;
    path_ = std::move(o.path_);
    read_ = std::move(o.read_);
    finished_ = o.finished_;
    block_ = o.block_;
    o.finished_ = true;
  }
  return *this;
}

std::string SectionReader::full_key(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const ConfigNode* SectionReader::lookup(std::string_view key) {
  read_.emplace_back(key);
  return table_ ? table_->find(key) : nullptr;
}

void SectionReader::record(std::string_view key, std::string rendered) {
  ctx_->blocks[block_].lines.push_back(std::string(key) + " = " + std::move(rendered));
}

void SectionReader::boolean(std::string_view key, bool& out) {
  if (const ConfigNode* n = lookup(key)) {
    if (n->kind == ConfigNode::Kind::boolean)
      out = n->b;
    else
      ctx_->error(n->line, full_key(key), std::string("expected true or false, got ") + describe(*n));
  }
  record(key, out ? "true" : "false");
}

void SectionReader::string(std::string_view key, std::string& out, size_t max_len) {
  if (const ConfigNode* n = lookup(key)) {
    if (n->kind != ConfigNode::Kind::string) {
      ctx_->error(n->line, full_key(key), std::string("expected a string, got ") + describe(*n));
    } else if (n->s.size() > max_len) {
      ctx_->error(n->line, full_key(key), "longer than " + std::to_string(max_len) + " bytes");
    } else if (has_control(n->s)) {
      ctx_->error(n->line, full_key(key), "must not contain control characters");
    } else {
      out = n->s;
    }
  }
  record(key, toml_string(out));
}

void SectionReader::secret(std::string_view key, std::string& out, size_t max_len) {
  string(key, out, max_len);
  auto& lines = ctx_->blocks[block_].lines;
  lines.back() = std::string(key) + " = " + (out.empty() ? "\"\"" : "\"(set)\"");
}

void SectionReader::path(std::string_view key, std::string& out, bool optional) {
  string(key, out, 1024);
  if ((out.empty() && !optional) || (!out.empty() && out[0] != '/'))
    error(key, "an absolute path is required");
}

void SectionReader::address(std::string_view key, std::string& out) {
  string(key, out, 254);
  if (out.empty()) return;
  bool plain = out.find('@') != std::string::npos;
  for (unsigned char ch : out) plain = plain && ch > 0x20 && ch < 0x7f && ch != '<' && ch != '>';
  if (!plain) error(key, "\"" + out + "\" is not a plain address such as postmaster@example.org");
}

void SectionReader::choice(std::string_view key, std::string& out,
                           std::initializer_list<std::string_view> allowed) {
  choose(key, out, std::span<const std::string_view>(allowed.begin(), allowed.size()));
}

void SectionReader::choose(std::string_view key, std::string& out,
                           std::span<const std::string_view> allowed) {
  std::string list;
  for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  if (const ConfigNode* n = lookup(key)) {
    bool ok = n->kind == ConfigNode::Kind::string &&
              std::find(allowed.begin(), allowed.end(), std::string_view(n->s)) != allowed.end();
    if (ok)
      out = n->s;
    else
      ctx_->error(n->line, full_key(key), "expected one of " + list + ", got " + describe(*n));
  }
  record(key, toml_string(out));
}

void SectionReader::integer(std::string_view key, int64_t& out, int64_t min, int64_t max) {
  if (const ConfigNode* n = lookup(key)) {
    if (n->kind == ConfigNode::Kind::integer && n->i >= min && n->i <= max) {
      out = n->i;
    } else {
      ctx_->error(n->line, full_key(key),
                  "expected an integer from " + std::to_string(min) + " to " + std::to_string(max) +
                      ", got " + describe(*n));
    }
  }
  record(key, std::to_string(out));
}

void SectionReader::duration(std::string_view key, std::chrono::milliseconds& out,
                             std::chrono::milliseconds min, std::chrono::milliseconds max) {
  if (const ConfigNode* n = lookup(key)) {
    auto v = parse_duration(*n);
    if (v && *v >= min && *v <= max) {
      out = *v;
    } else {
      ctx_->error(n->line, full_key(key),
                  "expected a duration (seconds, or a string like \"500ms\", \"30s\", \"5m\", \"2h\", "
                  "\"35d\") from " +
                      render_ms(min) + " to " + render_ms(max) + ", got " + describe(*n));
    }
  }
  record(key, render_ms(out));
}

void SectionReader::duration(std::string_view key, std::chrono::seconds& out, std::chrono::seconds min,
                             std::chrono::seconds max) {
  std::chrono::milliseconds ms = out;
  if (const ConfigNode* n = table_ ? table_->find(key) : nullptr) {
    auto v = parse_duration(*n);
    if (v && v->count() % 1000 != 0) {
      read_.emplace_back(key);
      ctx_->error(n->line, full_key(key), "expected whole seconds, got " + describe(*n));
      record(key, render_ms(ms));
      return;
    }
  }
  duration(key, ms, min, max);
  out = std::chrono::duration_cast<std::chrono::seconds>(ms);
}

void SectionReader::strings(std::string_view key, std::vector<std::string>& out, size_t max_items,
                            size_t max_len) {
  if (const ConfigNode* n = lookup(key)) {
    bool ok = n->kind == ConfigNode::Kind::array;
    std::string why = ok ? "" : std::string("expected an array of strings, got ") + describe(*n);
    if (ok && n->array.size() > max_items) {
      ok = false;
      why = "more than " + std::to_string(max_items) + " items";
    }
    std::vector<std::string> values;
    for (size_t i = 0; ok && i < n->array.size(); ++i) {
      const ConfigNode& e = n->array[i];
      if (e.kind != ConfigNode::Kind::string) {
        ok = false;
        why = "item " + std::to_string(i + 1) + ": expected a string, got " + describe(e);
      } else if (e.s.size() > max_len || has_control(e.s)) {
        ok = false;
        why = "item " + std::to_string(i + 1) + ": too long or contains control characters";
      } else {
        values.push_back(e.s);
      }
    }
    if (ok)
      out = std::move(values);
    else
      ctx_->error(n->line, full_key(key), why);
  }
  std::string r = "[";
  for (size_t i = 0; i < out.size(); ++i) r += (i ? ", " : "") + toml_string(out[i]);
  record(key, r + "]");
}

SectionReader SectionReader::table(std::string_view key) {
  const ConfigNode* n = lookup(key);
  if (n && n->kind != ConfigNode::Kind::table) {
    ctx_->error(n->line, full_key(key), std::string("expected a table, got ") + describe(*n));
    n = nullptr;
  }
  return SectionReader(ctx_, n, full_key(key));
}

std::vector<SectionReader> SectionReader::tables(std::string_view key, size_t max_items) {
  std::vector<SectionReader> out;
  const ConfigNode* n = lookup(key);
  if (!n) return out;
  if (n->kind != ConfigNode::Kind::array) {
    ctx_->error(n->line, full_key(key),
                std::string("expected an array of tables ([[") + full_key(key) + "]]), got " + describe(*n));
    return out;
  }
  if (n->array.size() > max_items) {
    ctx_->error(n->line, full_key(key), "more than " + std::to_string(max_items) + " entries");
    return out;
  }
  for (const auto& e : n->array) {
    if (e.kind != ConfigNode::Kind::table) {
      ctx_->error(e.line, full_key(key), std::string("expected a table, got ") + describe(e));
      continue;
    }
    out.emplace_back(ctx_, &e, full_key(key), true);
  }
  return out;
}

bool SectionReader::has(std::string_view key) const { return table_ && table_->find(key); }

void SectionReader::error(std::string_view key, std::string message) {
  int line = 0;
  if (table_) {
    const ConfigNode* n = table_->find(key);
    line = n ? n->line : table_->line;
  }
  ctx_->error(line, full_key(key), std::move(message));
}

void SectionReader::finish() {
  if (finished_ || !ctx_) return;
  finished_ = true;
  if (!table_) return;
  for (const auto& [k, v] : table_->table) {
    if (std::find(read_.begin(), read_.end(), k) != read_.end()) continue;
    std::string known;
    for (const auto& r : read_) known += (known.empty() ? "" : ", ") + r;
    ctx_->error(v.line, full_key(k),
                std::string(path_.empty() ? "unknown section" : "unknown key") +
                    (known.empty() ? std::string() : " (known here: " + known + ")"));
  }
}

std::string ReaderContext::render() const {
  std::string out;
  for (const auto& b : blocks) {
    bool array_item = b.header.rfind("[[", 0) == 0;
    if (b.lines.empty() && !array_item) continue;
    if (!b.header.empty()) out += (out.empty() ? "" : "\n") + b.header + "\n";
    for (const auto& l : b.lines) out += l + "\n";
  }
  return out;
}

}  // namespace postern
