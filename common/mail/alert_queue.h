// AlertQueue: sends the daemons' alert mails to the admin (send limits, account holds) off the
// request path. post() only queues (a mutex and a move): one sender thread hands each mail to
// the sender function (by default send_with_sendmail with kAlertTimeout), so a slow or stuck
// /usr/sbin/sendmail never delays Postfix's policy answer. Bounded: at most kMaxQueuedAlerts
// wait; a mail posted to a full queue is dropped, and an overflow is logged once when it begins
// (alert_queue_full) and once when the queue has room again (alert_queue_recovered dropped=N).
// Each mail's outcome is one line: alert_sent or alert_failed, with the fields the poster gave.
// stop() (and the destructor) stops taking mails, lets the sender go on until the queue is empty
// or kAlertDrainTime has passed (measured on the injected clock's monotonic time), logs what it
// did not send (alerts_dropped count=N reason=stopping), and joins the thread: at most the drain
// time plus one send. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/core/clock.h"
#include "common/core/mutex.h"
#include "common/core/result.h"
#include "common/log/log.h"

namespace postern {

inline constexpr std::chrono::milliseconds kAlertTimeout{10000};  // one sendmail run
inline constexpr size_t kMaxQueuedAlerts = 64;
inline constexpr std::chrono::milliseconds kAlertDrainTime{15000};  // at stop, beyond the send under way

struct AlertMail {
  std::string sendmail;  // the command ([policyd.ratelimit] or [account_guard] sendmail)
  std::string to;        // also the envelope sender
  std::string message;   // header and body, LF line ends
  // The fields of the alert_sent / alert_failed line before to=, e.g. {"login", "a@x"}.
  std::vector<std::pair<std::string, std::string>> about;
};

class AlertQueue {
 public:
  using Sender = std::function<Result<void>(const AlertMail&)>;
  // The sender by default runs sendmail (send_with_sendmail, bounded by kAlertTimeout).
  AlertQueue(std::shared_ptr<Logger> log, const Clock& clock, Sender send = {},
             size_t max_queued = kMaxQueuedAlerts, std::chrono::milliseconds drain = kAlertDrainTime);
  ~AlertQueue();
  AlertQueue(const AlertQueue&) = delete;
  AlertQueue& operator=(const AlertQueue&) = delete;

  // Queues the mail; false (and the mail dropped) when the queue is full or stopping.
  bool post(AlertMail mail);
  // Sends what it can within the drain time, then ends the sender thread. Idempotent.
  void stop();
  bool stopping() const;

 private:
  void run();
  void report(const AlertMail& m, const Result<void>& r);

  std::shared_ptr<Logger> log_;
  const Clock& clock_;
  Sender send_;
  const size_t max_queued_;
  const std::chrono::milliseconds drain_;
  mutable Mutex mu_;
  CondVar cv_;
  std::deque<AlertMail> queue_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  MonoTime drain_until_ GUARDED_BY(mu_){};
  size_t dropped_ GUARDED_BY(mu_) = 0;  // in the overflow under way
  Mutex join_mu_;                       // one joiner at a time
  std::thread thread_;                  // last: started once the rest is ready
};

}  // namespace postern
