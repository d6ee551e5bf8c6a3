// RedisServer: a real redis-server for tests, in its own TempDir on a free 127.0.0.1 port, with
// persistence off; started in the constructor (ready when it returns), stopped in the destructor.
// Trusts its callers (tests).
#pragma once

#include <memory>
#include <string>

#include "common/store/store_config.h"
#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {

class RedisServer {
 public:
  explicit RedisServer(std::string password = "");
  ~RedisServer();

  int port() const { return port_; }
  const std::string& password() const { return password_; }
  // A [store] for this server: backend redis, its port and password, the defaults otherwise.
  StoreConfig store_config() const {
    StoreConfig c;
    c.backend = StoreBackend::redis;
    c.redis_port = port_;
    c.redis_password = password_;
    return c;
  }
  // Stops the server and starts it again on the same port (tests of reconnecting clients).
  void restart();
  // stop() then, later, start(): the same port, down in between (clients started while it is down).
  void stop();
  void start();  // ready when it returns

 private:
  TempDir dir_{"postern-redis"};
  std::string password_;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

}  // namespace postern::test
