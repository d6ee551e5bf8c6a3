// Logging: one line per decision, key=value, to syslog (facility mail, one ident per binary) or to
// stderr ([log] destination). Every value passes through log_safe(), which masks non-printable bytes
// and quotes values with spaces, so untrusted strings (addresses, HELO names, headers) cannot forge
// log lines. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/core/mutex.h"

namespace postern {

enum class LogLevel { debug = 0, info = 1, notice = 2, warning = 3, error = 4 };

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(LogLevel level, std::string_view line) = 0;
};

// Masks bytes outside printable ASCII as \xHH, escapes '\\' and '"', caps the length at max_len
// bytes (appending "..."), and wraps the result in double quotes if it contains a space or '='.
std::string log_safe(std::string_view value, size_t max_len = 256);

class Logger {
 public:
  explicit Logger(std::shared_ptr<LogSink> sink, LogLevel min_level = LogLevel::info)
      : sink_(std::move(sink)), min_(min_level) {}
  bool enabled(LogLevel l) const { return l >= min_; }
  void write(LogLevel l, std::string_view line) const {
    if (enabled(l) && sink_) sink_->write(l, line);
  }

 private:
  std::shared_ptr<LogSink> sink_;
  LogLevel min_;
};

// Builds one key=value line: LogLine(log, LogLevel::info, "greylist").kv("queue_id", id).kv(...);
// the line is written when the LogLine is destroyed.
class LogLine {
 public:
  LogLine(const Logger& logger, LogLevel level, std::string_view event);
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  LogLine& kv(std::string_view key, std::string_view value);
  LogLine& kv(std::string_view key, const char* value) {
    return kv(key, std::string_view(value ? value : ""));
  }
  LogLine& kv(std::string_view key, const std::string& value) { return kv(key, std::string_view(value)); }
  LogLine& kv(std::string_view key, long long value);
  LogLine& kv(std::string_view key, unsigned long long value);
  LogLine& kv(std::string_view key, int value) { return kv(key, static_cast<long long>(value)); }
  LogLine& kv(std::string_view key, long value) { return kv(key, static_cast<long long>(value)); }
  LogLine& kv(std::string_view key, unsigned value) {
    return kv(key, static_cast<unsigned long long>(value));
  }
  LogLine& kv(std::string_view key, unsigned long value) {
    return kv(key, static_cast<unsigned long long>(value));
  }
  LogLine& kv(std::string_view key, bool value) { return kv(key, std::string_view(value ? "yes" : "no")); }
  LogLine& kv(std::string_view key, double value);

 private:
  const Logger& logger_;
  LogLevel level_;
  std::string line_;
};

// Sinks. The syslog sink calls openlog(ident, LOG_PID|LOG_NDELAY, facility) once.
std::shared_ptr<LogSink> make_syslog_sink(const std::string& ident, int facility);
std::shared_ptr<LogSink> make_stderr_sink(const std::string& ident);
// Keeps lines in memory; for tests.
class MemorySink final : public LogSink {
 public:
  void write(LogLevel level, std::string_view line) override;
  std::string text() const;  // all lines, each ending in '\n'
  void clear();

 private:
  mutable Mutex mu_;
  std::string text_ GUARDED_BY(mu_);
};

}  // namespace postern
