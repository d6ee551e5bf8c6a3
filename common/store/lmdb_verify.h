// Checks an LMDB data file (data.mdb) without trusting it, so that a damaged store is refused with
// a clear error instead of crashing the process that maps it: LMDB trusts its file completely, so
// a truncated file gives SIGBUS at the first read of a missing page, and a damaged page an
// assertion abort or SIGSEGV. Reads the file with pread only (a page past the end is a short read
// here, never a SIGBUS) in two stages:
//   check_lmdb_file   before LMDB opens the file: both meta pages (magic, version, page size,
//                     database flags and roots) and the file size against the newest meta's last
//                     page, so no page LMDB may touch lies beyond the end of the file.
//   verify_lmdb_env   after mdb_env_open, inside a read transaction that pins the snapshot
//                     (writers in other processes cannot reuse its pages meanwhile): walks the
//                     free-page tree and the main tree, checking every page header, node offset,
//                     key and data size, overflow run and child page number, that no page is
//                     reachable twice or both used and free, and that the page and entry counts
//                     match the meta. Cost: one read of every page in use, a few tenths of
//                     a second per 100 MB (0.44 s of CPU for 140 MB and 600,000 entries,
//                     unoptimised build, page cache warm).
// Knows the on-disk format of LMDB 0.9 on 64-bit Linux with what Postern uses: one unnamed
// database, no DUPSORT, no named sub-databases; anything else is reported as damage. Limits:
// page size 512..65536 (kMinLmdbPageSize, kMaxLmdbPageSize), tree depth kMaxLmdbDepth, key size
// kMaxLmdbKeySize. A damaged file is a permanent error naming the file and what is wrong; an I/O
// error is temporary.
#pragma once

#include <lmdb.h>

#include <cstdint>
#include <string>

#include "common/core/result.h"

namespace postern {

inline constexpr size_t kMinLmdbPageSize = 512;
inline constexpr size_t kMaxLmdbPageSize = 65536;
inline constexpr unsigned kMaxLmdbDepth = 32;   // LMDB's cursor stack (CURSOR_STACK)
inline constexpr size_t kMaxLmdbKeySize = 511;  // LMDB's default maximum key size

struct LmdbFileCheck {
  bool exists = false;  // false: no data.mdb (or an empty one): LMDB creates a fresh store
  uint64_t file_bytes = 0;
  uint64_t page_size = 0;
  uint64_t pages = 0;  // pages the newest transaction uses (last page + 1)
  uint64_t txnid = 0;
  uint64_t entries = 0;     // in the main database, from the meta (counted by verify_lmdb_env)
  uint64_t tree_pages = 0;  // branch, leaf and overflow pages of both trees (verify_lmdb_env)
  uint64_t free_pages = 0;  // pages listed as free (verify_lmdb_env)
};

// The data file of a store directory.
std::string lmdb_data_file(const std::string& dir);

// Stage 1 on the data file at path (see above).
Result<LmdbFileCheck> check_lmdb_file(const std::string& data_file);

// Stage 2: env is open on the directory holding data_file. Includes stage 1's checks of the meta
// of the snapshot it walks.
Result<LmdbFileCheck> verify_lmdb_env(MDB_env* env, const std::string& data_file);

// Both stages on a data file no process is writing (a copy; fuzzing), without LMDB: the walk
// of the newest meta's snapshot.
Result<LmdbFileCheck> verify_lmdb_copy(const std::string& data_file);

// Both stages on a store directory, opening its environment read-only for stage 2 (for
// posternctl store verify; a process that has the store open already uses verify_lmdb_env).
Result<LmdbFileCheck> verify_lmdb_dir(const std::string& dir);

}  // namespace postern
