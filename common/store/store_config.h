// [store] section. Owned by common/store.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "common/config/reader.h"
#include "common/core/clock.h"

namespace postern {

enum class StoreBackend { lmdb, redis };
inline constexpr Choice<StoreBackend> kStoreBackends[] = {{"lmdb", StoreBackend::lmdb},
                                                          {"redis", StoreBackend::redis}};
inline std::string_view to_string(StoreBackend v) { return choice_name(v, kStoreBackends); }

struct StoreConfig {
  StoreBackend backend = StoreBackend::lmdb;
  // LMDB
  std::string lmdb_path = "/var/lib/postern";
  int64_t lmdb_map_size_mb = 256;       // initial map size
  int64_t lmdb_max_map_size_mb = 8192;  // the map grows up to this, then writes fail clearly
  std::chrono::seconds purge_interval{300};
  // Redis
  std::string redis_host = "127.0.0.1";
  int redis_port = 6379;
  std::string redis_socket;  // unix socket path; overrides host/port when set
  std::string redis_password;
  int redis_db = 0;
  std::string redis_prefix = "postern:";
  std::chrono::milliseconds redis_timeout{500};

  bool operator==(const StoreConfig&) const = default;
};

void read_store_config(SectionReader& r, StoreConfig& c);

}  // namespace postern
