// Reads the [store] section. Contract in store_config.h.
#include "common/store/store_config.h"

namespace postern {

void read_store_config(SectionReader& r, StoreConfig& c) {
  r.choice("backend", c.backend, kStoreBackends);
  r.string("lmdb_path", c.lmdb_path, 1024);
  if (c.lmdb_path.empty() || c.lmdb_path[0] != '/') r.error("lmdb_path", "must be an absolute path");
  r.integer("lmdb_map_size_mb", c.lmdb_map_size_mb, 1, 1 << 20);
  r.integer("lmdb_max_map_size_mb", c.lmdb_max_map_size_mb, 1, 1 << 20);
  if (c.lmdb_max_map_size_mb < c.lmdb_map_size_mb) {
    r.error("lmdb_max_map_size_mb", "must be at least lmdb_map_size_mb");
  }
  r.duration("purge_interval", c.purge_interval, Seconds(1), Seconds(86400));
  r.string("redis_host", c.redis_host, 255);
  r.integer("redis_port", c.redis_port, 1, 65535);
  r.string("redis_socket", c.redis_socket, 107);
  r.secret("redis_password", c.redis_password, 512);
  r.integer("redis_db", c.redis_db, 0, 1000);
  r.string("redis_prefix", c.redis_prefix, 64);
  r.duration("redis_timeout", c.redis_timeout, std::chrono::milliseconds(10),
             std::chrono::milliseconds(60000));
}

}  // namespace postern
