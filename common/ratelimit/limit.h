// Send limits: what a [[policyd.ratelimit.limit]] entry or an overrides line says. Plain values,
// no behaviour beyond naming them; RateLimiter (limiter.h) enforces them.
#pragma once

#include <cstdint>
#include <string>

namespace postern {

// Whose sending a limit counts.
enum class LimitBy {
  login,           // the SASL login (END-OF-MESSAGE)
  sender_domain,   // the envelope sender's domain, whoever sends
  client_address,  // the client's IP address, for clients without a login (trusted networks, RCPT)
};

enum class LimitMetric { messages, recipients, bytes };

inline const char* limit_by_name(LimitBy b) {
  switch (b) {
    case LimitBy::login:
      return "login";
    case LimitBy::sender_domain:
      return "sender_domain";
    case LimitBy::client_address:
      return "client_address";
  }
  return "?";
}

inline const char* limit_metric_name(LimitMetric m) {
  switch (m) {
    case LimitMetric::messages:
      return "messages";
    case LimitMetric::recipients:
      return "recipients";
    case LimitMetric::bytes:
      return "bytes";
  }
  return "?";
}

// One-letter form used in store keys.
inline char limit_metric_letter(LimitMetric m) {
  return m == LimitMetric::messages ? 'm' : m == LimitMetric::recipients ? 'r' : 'b';
}

struct SendLimit {
  LimitBy by = LimitBy::login;
  int64_t window = 3600;  // seconds, >= 1
  // 0: that quantity is not limited. At least one is set in a valid limit.
  int64_t messages = 0;
  int64_t recipients = 0;
  int64_t bytes = 0;

  int64_t of(LimitMetric m) const {
    return m == LimitMetric::messages ? messages : m == LimitMetric::recipients ? recipients : bytes;
  }
  bool operator==(const SendLimit&) const = default;
};

inline constexpr int64_t kMaxLimitWindow = 366 * 86400;
inline constexpr int64_t kMaxLimitValue = int64_t{1} << 50;

}  // namespace postern
