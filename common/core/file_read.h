// read_regular_file: the one way Postern reads a file named in its configuration (the config
// itself, allowlists, sender maps, DKIM key and signing tables, DKIM keys, passwd-files,
// resolv.conf). The file must be a regular file (a symlink to one is followed, as admins link
// configs): it is opened with O_NONBLOCK, so a FIFO or a device never blocks the open, then
// checked with fstat on the opened descriptor (no race with a rename). At most max_bytes are read;
// a file that is or grows larger is an error, never a silent partial read. Each caller passes
// the limit named beside its parser (kMaxConfigBytes, kMaxAllowlistFileBytes, kMaxLoginMapBytes,
// kMaxKeyTableBytes, kMaxSigningTableBytes, kMaxKeyFileBytes, kMaxPasswdFileSize,
// kMaxResolvConf). Errors name the file: a missing, unreadable, non-regular or too large file is a
// permanent error, other I/O errors temporary. check_regular_file is the same check for files
// another library opens itself (SQLite databases).
#pragma once

#include <sys/stat.h>

#include <string>

#include "common/core/result.h"

namespace postern {

// The file's contents. When st is given, it receives the fstat of the descriptor that was read
// (to notice later changes by device, inode, size and mtime).
Result<std::string> read_regular_file(const std::string& path, size_t max_bytes, struct stat* st = nullptr);

// The type check of read_regular_file without the read, for a file another library opens and
// reads in bounded pieces itself (a SQLite database): opens path the same way, fstats, closes.
Result<void> check_regular_file(const std::string& path);

// "a FIFO", "a directory", ...: what a non-regular file is, for messages.
const char* file_type_name(mode_t mode);

}  // namespace postern
