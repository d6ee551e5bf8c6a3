// FakeMilter: a scripted milter on a unix socket, for testing the client's session logic against
// behaviours real milters rarely show on demand (no replies, SKIP, every modification, garbage,
// stalls). Serves one connection at a time on its own thread; the destructor stops and joins it.
// The handler returns the packets to send back for each command received; returning
// {FakeMilter::kClose} closes the connection, kPause in the list paces the replies. Trusts the client under
// test only to frame packets.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace postern::mta::test {

class FakeMilter {
 public:
  using Handler = std::function<std::vector<std::string>(char command, const std::string& payload)>;
  static inline const std::string kClose = "<close>";
  // Waits 50 ms before sending what follows (a milter working slowly, e.g. between PROGRESS).
  static inline const std::string kPause = "<pause>";

  FakeMilter(std::string socket_path, Handler handler);
  ~FakeMilter();
  FakeMilter(const FakeMilter&) = delete;
  FakeMilter& operator=(const FakeMilter&) = delete;

  // Every packet received so far, in order, over all connections.
  std::vector<std::pair<char, std::string>> packets() const;
  // The command letters received, macros shown as "D" + stage ("DM"), e.g. {"O","DC","C","H",...}.
  std::vector<std::string> commands() const;
  int connections() const { return connections_.load(); }
  // Sends replies one byte per write from now on (the client must reassemble them).
  void set_dribble(bool on) { dribble_ = on; }

 private:
  void run();
  void serve(int fd);

  std::string path_;
  Handler handler_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<int> connections_{0};
  std::atomic<bool> dribble_{false};
  mutable std::mutex mu_;
  std::vector<std::pair<char, std::string>> packets_;
  std::thread thread_;
};

// Reply packet builders.
std::string reply(char command, const std::string& payload = "");
std::string negotiate_reply(uint32_t actions, uint32_t protocol);
std::string be32(uint32_t v);
std::string z(const std::string& s);  // s followed by NUL

}  // namespace postern::mta::test
