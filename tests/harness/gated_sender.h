// GatedSender: a fake alert-mail sender (AlertQueue::Sender) that blocks every send until the
// test opens the gate, as a stuck /usr/sbin/sendmail would, and keeps what it was given. Lets a
// test show that nothing on the request path waits for the mail. Trusts its callers. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "common/mail/alert_queue.h"

namespace postern::test {

class GatedSender {
 public:
  AlertQueue::Sender sender() {
    return [this](const AlertMail& m) -> Result<void> {
      std::unique_lock<std::mutex> lock(mu_);
      ++entered_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return open_; });
      sent_.push_back(m);
      cv_.notify_all();
      return {};
    };
  }
  void open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  // Waits (bounded) until n sends have begun, or n mails were sent; false on the bound.
  bool wait_entered(int n, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return entered_ >= n; });
  }
  bool wait_sent(size_t n, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [&] { return sent_.size() >= n; });
  }
  std::vector<AlertMail> sent() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sent_;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int entered_ = 0;
  std::vector<AlertMail> sent_;
};

}  // namespace postern::test
