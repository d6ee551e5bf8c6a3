// Fuzz target: the LMDB data-file checks (common/store/lmdb_verify.h) on arbitrary bytes as a
// data.mdb: stage 1 and the tree walk must return sound or damaged, never crash or read out of
// bounds. The corpus holds small real stores (corpus/store_lmdb_file/).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "common/store/lmdb_verify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > (1u << 20)) return 0;
  int fd = memfd_create("data.mdb", MFD_CLOEXEC);
  if (fd < 0) return 0;
  size_t done = 0;
  while (done < size) {
    ssize_t n = write(fd, data + done, size - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  (void)postern::check_lmdb_file(path);
  (void)postern::verify_lmdb_copy(path);
  close(fd);
  return 0;
}
