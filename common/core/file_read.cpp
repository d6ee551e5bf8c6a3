// Implements read_regular_file. Contract in file_read.h.
#include "common/core/file_read.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

namespace postern {
namespace {

Error open_error(const std::string& path, int err) {
  std::string why = err == ENOENT ? "does not exist" : std::string("cannot open: ") + std::strerror(err);
  bool permanent = err == ENOENT || err == EACCES || err == EPERM || err == ELOOP || err == ENOTDIR ||
                   err == ENAMETOOLONG || err == ENXIO || err == ENODEV || err == EISDIR;
  return permanent ? Error::perm(path + ": " + why) : Error::temp(path + ": " + why);
}

std::string limit_text(size_t max_bytes) {
  return "larger than the limit of " + std::to_string(max_bytes) + " bytes";
}

// An open, checked descriptor (closed by the destructor).
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

Result<void> open_checked(const std::string& path, size_t max_bytes, Fd& out, struct stat& st) {
  out.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (out.fd < 0) return open_error(path, errno);
  if (::fstat(out.fd, &st) != 0) return Error::temp(path + ": cannot stat: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Error::perm(path + ": not a regular file (" + file_type_name(st.st_mode) + ")");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return Error::perm(path + ": " + limit_text(max_bytes));
  return {};
}

}  // namespace

const char* file_type_name(mode_t mode) {
  if (S_ISREG(mode)) return "a regular file";
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

Result<void> check_regular_file(const std::string& path) {
  Fd fd;
  struct stat st {};
  return open_checked(path, SIZE_MAX, fd, st);
}

Result<std::string> read_regular_file(const std::string& path, size_t max_bytes, struct stat* st_out) {
  Fd fd;
  struct stat st {};
  if (auto r = open_checked(path, max_bytes, fd, st); !r) return r.error();
  if (st_out) *st_out = st;
  // Sized from fstat plus one byte, so the usual read needs no reallocation (no stray copies of a
  // key) and a file that grew past its size is noticed.
  std::string text(static_cast<size_t>(st.st_size) + 1, '\0');
  size_t have = 0;
  for (;;) {
    if (have == text.size()) {
      if (text.size() > max_bytes) return Error::perm(path + ": " + limit_text(max_bytes));
      text.resize(std::min(max_bytes + 1, text.size() * 2 + 4096));
    }
    ssize_t n = ::read(fd.fd, text.data() + have, text.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::temp(path + ": read error: " + std::strerror(errno));
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  if (have > max_bytes) return Error::perm(path + ": " + limit_text(max_bytes));
  text.resize(have);
  return text;
}

}  // namespace postern
