// Implements log_safe, LogLine and the sinks. Contract in log.h.
#include "common/log/log.h"

#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace postern {

std::string log_safe(std::string_view value, size_t max_len) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(value.size() + 2);
  bool needs_quotes = value.empty();
  size_t n = 0;
  for (unsigned char c : value) {
    if (n++ >= max_len) {
      out += "...";
      break;
    }
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
      needs_quotes = true;
    } else if (c < 0x20 || c >= 0x7f) {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      if (c == ' ' || c == '=') needs_quotes = true;
      out.push_back(static_cast<char>(c));
    }
  }
  if (needs_quotes) return "\"" + out + "\"";
  return out;
}

LogLine::LogLine(const Logger& logger, LogLevel level, std::string_view event)
    : logger_(logger), level_(level) {
  if (logger_.enabled(level_)) line_ = log_safe(event, 64);
}

LogLine::~LogLine() {
  if (logger_.enabled(level_)) logger_.write(level_, line_);
}

LogLine& LogLine::kv(std::string_view key, std::string_view value) {
  if (!logger_.enabled(level_)) return *this;
  line_.push_back(' ');
  // Keys are chosen by our code, but mask them too so a mistake cannot split a line.
  for (unsigned char c : key) line_.push_back(c > 0x20 && c < 0x7f && c != '=' ? static_cast<char>(c) : '_');
  line_.push_back('=');
  line_ += log_safe(value);
  return *this;
}

LogLine& LogLine::kv(std::string_view key, long long value) {
  return kv(key, std::string_view(std::to_string(value)));
}
LogLine& LogLine::kv(std::string_view key, unsigned long long value) {
  return kv(key, std::string_view(std::to_string(value)));
}
LogLine& LogLine::kv(std::string_view key, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  return kv(key, std::string_view(buf));
}

namespace {

int syslog_priority(LogLevel l) {
  switch (l) {
    case LogLevel::debug:
      return LOG_DEBUG;
    case LogLevel::info:
      return LOG_INFO;
    case LogLevel::notice:
      return LOG_NOTICE;
    case LogLevel::warning:
      return LOG_WARNING;
    case LogLevel::error:
      return LOG_ERR;
  }
  return LOG_INFO;
}

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::debug:
      return "debug";
    case LogLevel::info:
      return "info";
    case LogLevel::notice:
      return "notice";
    case LogLevel::warning:
      return "warning";
    case LogLevel::error:
      return "error";
  }
  return "info";
}

class SyslogSink final : public LogSink {
 public:
  SyslogSink(std::string ident, int facility) : ident_(std::move(ident)) {
    // openlog keeps the pointer: ident_ lives as long as the sink.
    openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, facility);
  }
  void write(LogLevel level, std::string_view line) override {
    syslog(syslog_priority(level), "%.*s", static_cast<int>(line.size()), line.data());
  }

 private:
  std::string ident_;
};

class StderrSink final : public LogSink {
 public:
  explicit StderrSink(std::string ident) : ident_(std::move(ident)) {}
  void write(LogLevel level, std::string_view line) override {
    auto now = std::chrono::system_clock::now();
    std::time_t t = std::chrono::system_clock::to_time_t(now);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char ts[32];
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out;
    out.reserve(line.size() + 64);
    out += ts;
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03dZ ", static_cast<int>(ms));
    out += frac;
    out += ident_ + "[" + std::to_string(getpid()) + "]: " + level_name(level) + ": ";
    out += line;
    out.push_back('\n');
    MutexLock lock(mu_);
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
  }

 private:
  std::string ident_;
  Mutex mu_;  // one line at a time on stderr
};

}  // namespace

std::shared_ptr<LogSink> make_syslog_sink(const std::string& ident, int facility) {
  return std::make_shared<SyslogSink>(ident, facility);
}

std::shared_ptr<LogSink> make_stderr_sink(const std::string& ident) {
  return std::make_shared<StderrSink>(ident);
}

void MemorySink::write(LogLevel, std::string_view line) {
  MutexLock lock(mu_);
  text_.append(line);
  text_.push_back('\n');
}

std::string MemorySink::text() const {
  MutexLock lock(mu_);
  return text_;
}

void MemorySink::clear() {
  MutexLock lock(mu_);
  text_.clear();
}

}  // namespace postern
