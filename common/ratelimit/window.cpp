// Implements the counter keys of the sliding window. Contract in window.h.
#include "common/ratelimit/window.h"

#include <charconv>
#include <cstdio>

namespace postern {
namespace {

std::optional<int64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

}  // namespace

std::string key_subject(std::string_view subject) {
  if (subject.size() <= kMaxKeySubject) return std::string(subject);
  uint64_t h = 1469598103934665603ull;  // FNV-1a: tells long subjects apart, nothing secret
  for (unsigned char c : subject) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char tag[20];
  std::snprintf(tag, sizeof tag, "~%016llx", static_cast<unsigned long long>(h));
  return std::string(subject.substr(0, kMaxKeySubject - 17)) + tag;
}

std::string subject_prefix(LimitBy by, std::string_view subject) {
  return std::string(kCounterPrefix) + limit_by_name(by) + ":" + key_subject(subject) + ":";
}

std::string counter_id(LimitBy by, std::string_view subject, int64_t window, LimitMetric metric) {
  return subject_prefix(by, subject) + std::to_string(window) + ":" + limit_metric_letter(metric);
}

std::string counter_key(std::string_view id, int64_t bucket) {
  char digits[24];
  char* end = std::to_chars(digits, digits + sizeof digits, bucket).ptr;
  std::string key;
  key.reserve(id.size() + 1 + static_cast<size_t>(end - digits));
  key.append(id).push_back(':');
  key.append(digits, end);
  return key;
}

std::string counter_key(LimitBy by, std::string_view subject, int64_t window, LimitMetric metric,
                        int64_t bucket) {
  return counter_key(counter_id(by, subject, window, metric), bucket);
}

std::optional<CounterKey> parse_counter_key(std::string_view key) {
  if (key.substr(0, kCounterPrefix.size()) != kCounterPrefix) return std::nullopt;
  key.remove_prefix(kCounterPrefix.size());
  CounterKey out;
  size_t colon = key.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view by = key.substr(0, colon);
  if (by == "login")
    out.by = LimitBy::login;
  else if (by == "sender_domain")
    out.by = LimitBy::sender_domain;
  else if (by == "client_address")
    out.by = LimitBy::client_address;
  else
    return std::nullopt;
  key.remove_prefix(colon + 1);
  // From the right: BUCKET, METRIC, WINDOW.
  std::string_view tail[3];
  for (auto& t : tail) {
    size_t c = key.rfind(':');
    if (c == std::string_view::npos) return std::nullopt;
    t = key.substr(c + 1);
    key = key.substr(0, c);
  }
  auto bucket = number(tail[0]);
  auto window = number(tail[2]);
  if (!bucket || !window || *window < 1 || tail[1].size() != 1) return std::nullopt;
  switch (tail[1][0]) {
    case 'm':
      out.metric = LimitMetric::messages;
      break;
    case 'r':
      out.metric = LimitMetric::recipients;
      break;
    case 'b':
      out.metric = LimitMetric::bytes;
      break;
    default:
      return std::nullopt;
  }
  if (key.empty()) return std::nullopt;
  out.subject = std::string(key);
  out.window = *window;
  out.bucket = *bucket;
  return out;
}

}  // namespace postern
