// TOML sections that many suites put into their postern.conf, written once here instead of being
// concatenated by hand in each suite: the store on a test's own LMDB directory or on a test Redis.
// Each returns the section with its header and a closing newline, ready to append to others.
#pragma once

#include <filesystem>
#include <string>

namespace postern::test {

// [store] on the LMDB environment in state_dir (created by the store when missing).
inline std::string lmdb_store_section(const std::filesystem::path& state_dir) {
  return "[store]\nlmdb_path = \"" + state_dir.string() + "\"\n";
}

// [store] on the Redis server listening on 127.0.0.1:port; extra lines go inside the section.
inline std::string redis_store_section(int port, const std::string& extra = "") {
  return "[store]\nbackend = \"redis\"\nredis_port = " + std::to_string(port) + "\n" + extra;
}

}  // namespace postern::test
