// RedisServer: a real redis-server for tests, in its own TempDir on a free 127.0.0.1 port, with
// persistence off; started in the constructor (ready when it returns), stopped in the destructor.
#pragma once

#include <memory>
#include <string>

#include "tests/harness/process.h"
#include "tests/harness/temp_dir.h"

namespace postern::test {

class RedisServer {
 public:
  explicit RedisServer(std::string password = "");
  ~RedisServer();

  int port() const { return port_; }
  const std::string& password() const { return password_; }
  // Stops the server and starts it again on the same port (tests of reconnecting clients).
  void restart();
  void stop();

 private:
  void start();
  TempDir dir_{"postern-redis"};
  std::string password_;
  int port_ = 0;
  std::unique_ptr<Process> proc_;
};

}  // namespace postern::test
