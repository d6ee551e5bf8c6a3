// Implements FakeMilter. Contract in fake_milter.h.
#include "tests/milterclient/fake_milter.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "tools/milterclient/encoder.h"

namespace postern::mta::test {

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
std::string z(const std::string& s) { return s + std::string(1, '\0'); }
std::string reply(char command, const std::string& payload) { return encode_packet(command, payload); }
std::string negotiate_reply(uint32_t actions, uint32_t protocol) {
  return reply('O', be32(6) + be32(actions) + be32(protocol));
}

FakeMilter::FakeMilter(std::string socket_path, Handler handler)
    : path_(std::move(socket_path)), handler_(std::move(handler)) {
  listen_fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      listen(listen_fd_, 16) != 0 || pipe2(stop_pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error("fake milter cannot listen on " + path_);
  }
  thread_ = std::thread([this] { run(); });
}

FakeMilter::~FakeMilter() {
  char c = 'x';
  (void)!write(stop_pipe_[1], &c, 1);
  thread_.join();
  close(listen_fd_);
  close(stop_pipe_[0]);
  close(stop_pipe_[1]);
}

std::vector<std::pair<char, std::string>> FakeMilter::packets() const {
  std::lock_guard<std::mutex> g(mu_);
  return packets_;
}

std::vector<std::string> FakeMilter::commands() const {
  std::vector<std::string> out;
  for (const auto& [c, p] : packets()) {
    out.push_back(c == 'D' && !p.empty() ? std::string{'D', p[0]} : std::string(1, c));
  }
  return out;
}

void FakeMilter::run() {
  for (;;) {
    pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (p[1].revents) return;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    serve(fd);
    close(fd);
  }
}

void FakeMilter::serve(int fd) {
  std::string buf;
  for (;;) {
    while (buf.size() >= 4) {
      uint32_t len = static_cast<uint32_t>(static_cast<unsigned char>(buf[0])) << 24 |
                     static_cast<uint32_t>(static_cast<unsigned char>(buf[1])) << 16 |
                     static_cast<uint32_t>(static_cast<unsigned char>(buf[2])) << 8 |
                     static_cast<uint32_t>(static_cast<unsigned char>(buf[3]));
      if (len == 0 || buf.size() < 4 + len) break;
      char command = buf[4];
      std::string payload = buf.substr(5, len - 1);
      buf.erase(0, 4 + len);
      {
        std::lock_guard<std::mutex> g(mu_);
        packets_.emplace_back(command, payload);
      }
      for (const auto& out : handler_(command, payload)) {
        if (out == kClose) return;
        if (out == kPause) {
          pollfd stop{stop_pipe_[0], POLLIN, 0};
          if (poll(&stop, 1, 50) > 0) return;
          continue;
        }
        if (dribble_) {
          for (char c : out) {
            if (send(fd, &c, 1, MSG_NOSIGNAL) < 0) return;
          }
        } else if (send(fd, out.data(), out.size(), MSG_NOSIGNAL) < 0) {
          return;
        }
      }
    }
    pollfd p[2] = {{fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (poll(p, 2, -1) < 0) continue;
    if (p[1].revents) return;
    char tmp[65536];
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n <= 0) return;
    buf.append(tmp, static_cast<size_t>(n));
  }
}

}  // namespace postern::mta::test
