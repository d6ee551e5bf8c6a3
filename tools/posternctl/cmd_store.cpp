// posternctl store verify|reset: the LMDB state store ([store].lmdb_path) when it is damaged.
//   store verify        checks data.mdb page by page without trusting it (lmdb_verify.h); first
//                       line "ok" or "damaged" (or "error" when it cannot be checked), details
//                       after; exit 0 ok, 1 damaged or not checkable.
//   store reset --yes   moves data.mdb and lock.mdb aside (NAME.damaged-YYYYMMDDTHHMMSSZ, same
//                       directory) and creates a fresh, empty store with the old files' owner,
//                       group and mode. The store holds only rebuildable state (greylisting,
//                       lockout counters), so this is the recovery from damage. Refuses without
//                       --yes (exit 64, nothing touched) and while a process has the store open
//                       (LMDB's lock on lock.mdb), and for the redis backend.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iostream>

#include "common/store/lmdb_store.h"
#include "common/store/lmdb_verify.h"
#include "tools/posternctl/command.h"

namespace postern::ctl {
namespace {

// The LMDB directory from the config, or an exit code.
const Config* lmdb_config(Context& ctx, int& rc) {
  const Config* c = ctx.config();
  if (!c) {
    rc = kExitConfig;
    return nullptr;
  }
  if (c->store.backend != StoreBackend::lmdb) {
    std::cerr << "posternctl: store: [store].backend is " << to_string(c->store.backend)
              << "; store verify and reset work on the lmdb backend only\n";
    rc = 1;
    return nullptr;
  }
  return c;
}

void print_check(const LmdbFileCheck& v) {
  std::cout << "page size " << v.page_size << ", " << v.pages << " pages in use of "
            << v.file_bytes / v.page_size << " in the file (" << v.tree_pages << " in the trees, "
            << v.free_pages << " free)\n"
            << "entries " << v.entries << ", last transaction " << v.txnid << "\n";
}

int cmd_verify(Context& ctx) {
  if (!ctx.args.empty()) {
    std::cerr << "usage: posternctl store verify\n";
    return kExitUsage;
  }
  int rc = 0;
  const Config* c = lmdb_config(ctx, rc);
  if (!c) return rc;
  std::string file = lmdb_data_file(c->store.lmdb_path);
  auto v = verify_lmdb_dir(c->store.lmdb_path);
  if (!v) {
    std::cout << (v.error().temporary() ? "error" : "damaged") << "\n" << v.error().message << "\n";
    if (!v.error().temporary())
      std::cout << "recovery: stop the Postern daemons and Dovecot, then run posternctl store reset --yes\n";
    return 1;
  }
  std::cout << "ok\n" << file << "\n";
  if (!v->exists) {
    std::cout << "no store yet (it is created at first use)\n";
    return 0;
  }
  print_check(*v);
  return 0;
}

// true when some process has the environment open: LMDB holds a read lock on the first byte of
// lock.mdb in every process that opened it.
Result<bool> store_in_use(const std::string& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    return Error::temp(lock_file + ": cannot open: " + std::strerror(errno));
  }
  struct flock lk {};
  lk.l_type = F_WRLCK;
  lk.l_whence = SEEK_SET;
  lk.l_start = 0;
  lk.l_len = 1;
  int r = ::fcntl(fd, F_GETLK, &lk);
  int err = errno;
  ::close(fd);
  if (r != 0) return Error::temp(lock_file + ": cannot test the lock: " + std::strerror(err));
  return lk.l_type != F_UNLCK;
}

std::string utc_stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

int cmd_reset(Context& ctx) {
  if (!ctx.opts.has("--yes"))
    return ctx.usage_error(
        "store reset moves the state store aside and starts an empty one (greylisting and lockout state "
        "are lost); confirm with --yes");
  int rc = 0;
  const Config* c = lmdb_config(ctx, rc);
  if (!c) return rc;
  const std::string& dir = c->store.lmdb_path;
  const std::string data = lmdb_data_file(dir), lock = dir + "/lock.mdb";
  auto busy = store_in_use(lock);
  if (!busy) {
    std::cerr << "posternctl: store: " << busy.error().message << "\n";
    return 1;
  }
  if (*busy) {
    std::cerr << "posternctl: store: " << dir
              << " is open in a running process; stop postern-policyd, postern-milter and Dovecot first\n";
    return 1;
  }
  struct stat old {};
  bool had_data = ::stat(data.c_str(), &old) == 0;
  std::string suffix = ".damaged-" + utc_stamp();
  for (const std::string& f : {data, lock}) {
    if (::access(f.c_str(), F_OK) != 0) continue;
    std::string to = f + suffix;
    if (::rename(f.c_str(), to.c_str()) != 0) {
      std::cerr << "posternctl: store: cannot move " << f << " to " << to << ": " << std::strerror(errno)
                << "\n";
      return 1;
    }
    std::cout << "moved " << f << " to " << to << "\n";
  }
  {
    SystemClock clock;
    auto fresh = LmdbStore::open(c->store, clock, false);
    if (!fresh) {
      std::cerr << "posternctl: store: " << fresh.error().message << "\n";
      return 1;
    }
  }
  if (had_data) {
    // The daemons run as their own user: give the new files the old ones' owner and mode.
    for (const std::string& f : {data, lock}) {
      if (::chown(f.c_str(), old.st_uid, old.st_gid) != 0 || ::chmod(f.c_str(), old.st_mode & 07777) != 0) {
        std::cerr << "posternctl: store: cannot give " << f
                  << " the old owner and mode: " << std::strerror(errno) << "\n";
        return 1;
      }
    }
  }
  std::cout << "created an empty store in " << dir << "\n";
  return 0;
}

CommandRegistration r1({.name = "store",
                        .subcommand = "verify",
                        .usage = "store verify",
                        .summary = "check the LMDB state store for damage",
                        .run = &cmd_verify});
CommandRegistration r2({.name = "store",
                        .subcommand = "reset",
                        .usage = "store reset --yes",
                        .summary = "move a damaged LMDB store aside, start empty",
                        .run = &cmd_reset,
                        .args = {.options = {{.name = "--yes",
                                              .help = "confirm: the store's state is lost (it is rebuilt)",
                                              .alias = "-y"}}}});

}  // namespace
}  // namespace postern::ctl
