// Implements RedisServer. Contract in redis_server.h.
#include "tests/harness/redis_server.h"

#include <stdexcept>

#include "tests/harness/net.h"

namespace postern::test {

RedisServer::RedisServer(std::string password) : password_(std::move(password)), port_(free_tcp_port()) {
  start();
}

RedisServer::~RedisServer() { stop(); }

void RedisServer::start() {
  std::vector<std::string> argv = {"redis-server",
                                   "--port",
                                   std::to_string(port_),
                                   "--bind",
                                   "127.0.0.1",
                                   "--save",
                                   "",
                                   "--appendonly",
                                   "no",
                                   "--dir",
                                   dir_.str(),
                                   "--daemonize",
                                   "no",
                                   "--protected-mode",
                                   "no",
                                   "--logfile",
                                   ""};
  if (!password_.empty()) {
    argv.push_back("--requirepass");
    argv.push_back(password_);
  }
  proc_ = std::make_unique<Process>(argv, (dir_ / "redis").string());
  if (!wait_for_tcp(port_)) throw std::runtime_error("redis-server did not start: " + proc_->output());
}

void RedisServer::stop() {
  if (proc_) proc_->stop();
  proc_.reset();
}

void RedisServer::restart() {
  stop();
  start();
}

}  // namespace postern::test
