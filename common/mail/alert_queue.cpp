// Implements AlertQueue. Contract in alert_queue.h.
#include "common/mail/alert_queue.h"

#include "common/mail/sendmail.h"

namespace postern {

AlertQueue::AlertQueue(std::shared_ptr<Logger> log, const Clock& clock, Sender send, size_t max_queued,
                       std::chrono::milliseconds drain)
    : log_(std::move(log)),
      clock_(clock),
      send_(send ? std::move(send) : Sender([](const AlertMail& m) {
        return send_with_sendmail(m.sendmail, m.to, m.to, m.message, kAlertTimeout);
      })),
      max_queued_(max_queued),
      drain_(drain),
      thread_([this] { run(); }) {}

AlertQueue::~AlertQueue() { stop(); }

void AlertQueue::stop() {
  {
    MutexLock lock(mu_);
    if (!stopping_) drain_until_ = clock_.monotonic() + drain_;
    stopping_ = true;
  }
  cv_.notify_all();
  MutexLock join(join_mu_);
  if (thread_.joinable()) thread_.join();
}

bool AlertQueue::stopping() const {
  MutexLock lock(mu_);
  return stopping_;
}

bool AlertQueue::post(AlertMail mail) {
  size_t recovered_after = 0;
  {
    MutexLock lock(mu_);
    if (stopping_) return false;
    if (queue_.size() >= max_queued_) {
      if (dropped_++ == 0) {
        LogLine(*log_, LogLevel::error, "alert_queue_full")
            .kv("max", max_queued_)
            .kv("outcome", "alert mails dropped until the queue has room (counted)");
      }
      return false;
    }
    recovered_after = dropped_;
    dropped_ = 0;
    queue_.push_back(std::move(mail));
  }
  cv_.notify_one();
  if (recovered_after > 0)
    LogLine(*log_, LogLevel::notice, "alert_queue_recovered").kv("dropped", recovered_after);
  return true;
}

void AlertQueue::report(const AlertMail& m, const Result<void>& r) {
  LogLine line(*log_, r ? LogLevel::notice : LogLevel::error, r ? "alert_sent" : "alert_failed");
  for (const auto& [k, v] : m.about) line.kv(k, v);
  line.kv("to", m.to);
  if (!r) line.kv("error", r.error().message);
}

void AlertQueue::run() {
  for (;;) {
    AlertMail m;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) cv_.wait(lock);
      if (queue_.empty()) return;  // stopping, nothing left
      if (stopping_ && clock_.monotonic() >= drain_until_) {
        LogLine(*log_, LogLevel::error, "alerts_dropped")
            .kv("count", queue_.size())
            .kv("reason", "stopping")
            .kv("waited_ms", static_cast<long long>(drain_.count()));
        queue_.clear();
        return;
      }
      m = std::move(queue_.front());
      queue_.pop_front();
    }
    Result<void> r = Error::temp("sender threw");
    try {
      r = send_(m);
    } catch (const std::exception& e) {
      r = Error::temp(std::string("sender threw: ") + e.what());
    }
    report(m, r);
  }
}

}  // namespace postern
