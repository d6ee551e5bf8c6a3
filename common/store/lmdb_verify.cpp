// Implements the LMDB file checks. Contract in lmdb_verify.h. The raw layout read here is LMDB
// 0.9's on-disk format on 64-bit little-endian Linux (the page and node layouts of mdb.c); every
// field is read with memcpy from a buffer filled by pread and bounds-checked before use.
#include "common/store/lmdb_verify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>
#include <vector>

namespace postern {
namespace {

static_assert(sizeof(void*) == 8 && sizeof(size_t) == 8, "the LMDB layout read here is the 64-bit one");

// Page header: pgno u64, pad u16, flags u16, lower u16 and upper u16 (or overflow page count u32).
constexpr size_t kPageHeader = 16;
constexpr uint16_t kPageBranch = 0x01, kPageLeaf = 0x02, kPageOverflow = 0x04, kPageMeta = 0x08;
// Node header: lo u16, hi u16, flags u16, ksize u16; then the key, then the data.
constexpr size_t kNodeHeader = 8;
constexpr uint16_t kNodeBigData = 0x01;
constexpr uint32_t kMagic = 0xBEEFC0DE;
constexpr uint32_t kDataVersion = 1;
constexpr uint64_t kNoPage = ~uint64_t{0};  // an empty tree's root
constexpr uint64_t kMetaPages = 2;
// Offsets in a meta page (after the page header): magic u32, version u32, address u64,
// mapsize u64, two MDB_db of 48 bytes (pad u32, flags u16, depth u16, branch, leaf and overflow
// page counts, entries, root: u64 each), last page u64, txnid u64.
constexpr size_t kMetaMagic = 16, kMetaVersion = 20, kMetaDbs = 40, kMetaDbSize = 48, kMetaLastPage = 136,
                 kMetaTxnid = 144, kMetaEnd = 152;

uint16_t u16(const unsigned char* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
uint32_t u32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
uint64_t u64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct Db {
  uint32_t pad = 0;
  uint16_t flags = 0, depth = 0;
  uint64_t branch = 0, leaf = 0, overflow = 0, entries = 0, root = kNoPage;
};

struct Meta {
  uint16_t page_flags = 0;
  uint32_t magic = 0, version = 0;
  Db dbs[2];
  uint64_t last_page = 0, txnid = 0;
};

Meta decode_meta(const unsigned char* p) {
  Meta m;
  m.page_flags = u16(p + 10);
  m.magic = u32(p + kMetaMagic);
  m.version = u32(p + kMetaVersion);
  for (int i = 0; i < 2; ++i) {
    const unsigned char* d = p + kMetaDbs + kMetaDbSize * static_cast<size_t>(i);
    m.dbs[i] =
        Db{u32(d), u16(d + 4), u16(d + 6), u64(d + 8), u64(d + 16), u64(d + 24), u64(d + 32), u64(d + 40)};
  }
  m.last_page = u64(p + kMetaLastPage);
  m.txnid = u64(p + kMetaTxnid);
  return m;
}

class File {
 public:
  explicit File(std::string path) : path_(std::move(path)) {}
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  // false with exists=false when there is no file.
  Result<bool> open() {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd_ < 0) {
      if (errno == ENOENT) return false;
      return Error::temp(path_ + ": cannot open: " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return Error::temp(path_ + ": cannot stat: " + std::strerror(errno));
    if (!S_ISREG(st.st_mode)) return Error::perm(path_ + " is not a regular file");
    size_ = static_cast<uint64_t>(st.st_size);
    return true;
  }
  // Fills out with len bytes at off; a short read means the file ends there (damage).
  Result<void> read(uint64_t off, size_t len, unsigned char* out, const std::string& what) const {
    size_t done = 0;
    while (done < len) {
      ssize_t n = ::pread(fd_, out + done, len - done, static_cast<off_t>(off + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Error::temp(path_ + ": read error: " + std::strerror(errno));
      if (n == 0) return Error::perm(what + " lies beyond the end of the file");
      done += static_cast<size_t>(n);
    }
    return {};
  }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

Error damaged(const std::string& file, const std::string& what) {
  return Error::perm(file + ": damaged LMDB store: " + what);
}

// Checks one meta page's own fields; page_size is the size the first meta page declares.
std::string meta_problem(const Meta& m, int index, uint64_t page_size) {
  std::string name = "meta page " + std::to_string(index);
  if (m.magic != kMagic) return name + " has no LMDB signature (not an LMDB database, or overwritten)";
  if (m.version != kDataVersion) return name + " has format version " + std::to_string(m.version);
  if (m.page_flags != kPageMeta) return name + " is not marked as a meta page";
  if (m.dbs[0].pad != page_size) return name + " disagrees about the page size";
  if (m.last_page < kMetaPages - 1 || m.last_page > (uint64_t{1} << 48))
    return name + " has an impossible last page " + std::to_string(m.last_page);
  uint64_t pages = m.last_page + 1;
  for (int i = 0; i < 2; ++i) {
    const Db& d = m.dbs[i];
    std::string db = i == 0 ? "the free-page tree" : "the main tree";
    if (i == 0 && d.flags != MDB_INTEGERKEY) return name + ": " + db + " has unexpected flags";
    if (i == 1 && d.flags != 0) return name + ": " + db + " has flags Postern never sets";
    if (d.root == kNoPage) {
      if (d.depth != 0 || d.entries != 0) return name + ": " + db + " is empty but counts entries";
      continue;
    }
    if (d.root < kMetaPages || d.root >= pages)
      return name + ": " + db + " has its root at page " + std::to_string(d.root) + ", outside 2.." +
             std::to_string(m.last_page);
    if (d.depth == 0 || d.depth > kMaxLmdbDepth)
      return name + ": " + db + " has an impossible depth " + std::to_string(d.depth);
  }
  return "";
}

// Reads and checks both meta pages; returns the newest (LMDB's choice: the higher txnid, the
// first on a tie) and its page size, after checking the file holds all its pages.
struct Metas {
  Meta meta[2];
  uint64_t page_size = 0;
};

Result<Metas> read_metas(const File& f) {
  Metas out;
  unsigned char buf[kMetaEnd];
  if (f.size() < kMetaEnd) return damaged(f.path(), "only " + std::to_string(f.size()) + " bytes long");
  if (auto r = f.read(0, kMetaEnd, buf, "meta page 0"); !r) return r.error();
  Meta first = decode_meta(buf);
  uint64_t ps = first.dbs[0].pad;
  if (first.magic != kMagic) return damaged(f.path(), meta_problem(first, 0, ps));
  if (ps < kMinLmdbPageSize || ps > kMaxLmdbPageSize || (ps & (ps - 1)) != 0)
    return damaged(f.path(), "meta page 0 declares an impossible page size " + std::to_string(ps));
  if (f.size() < 2 * ps)
    return damaged(f.path(),
                   "the file has " + std::to_string(f.size()) + " bytes, fewer than its two meta pages");
  out.page_size = ps;
  out.meta[0] = first;
  if (u64(buf) != 0) return damaged(f.path(), "meta page 0 has a wrong page number");
  if (auto r = f.read(ps, kMetaEnd, buf, "meta page 1"); !r) return r.error();
  out.meta[1] = decode_meta(buf);
  if (u64(buf) != 1) return damaged(f.path(), "meta page 1 has a wrong page number");
  for (int i = 0; i < 2; ++i) {
    auto p = meta_problem(out.meta[i], i, ps);
    if (!p.empty()) return damaged(f.path(), p);
  }
  return out;
}

const Meta& newest(const Metas& m) { return m.meta[m.meta[0].txnid < m.meta[1].txnid ? 1 : 0]; }

std::string size_problem(const File& f, const Meta& m, uint64_t page_size) {
  uint64_t need = (m.last_page + 1) * page_size;
  if (f.size() >= need) return "";
  return "the file has " + std::to_string(f.size()) + " bytes but transaction " + std::to_string(m.txnid) +
         " uses " + std::to_string(need) + " (truncated?)";
}

LmdbFileCheck summary(const File& f, const Meta& m, uint64_t page_size) {
  LmdbFileCheck c;
  c.exists = true;
  c.file_bytes = f.size();
  c.page_size = page_size;
  c.pages = m.last_page + 1;
  c.txnid = m.txnid;
  c.entries = m.dbs[1].entries;
  return c;
}

// Walks both trees of one snapshot.
class Walker {
 public:
  Walker(const File& f, const Meta& m, uint64_t page_size)
      : f_(f),
        meta_(m),
        ps_(page_size),
        pages_(m.last_page + 1),
        used_(pages_, false),
        page_(kMaxLmdbDepth + 1) {}

  Result<LmdbFileCheck> run() {
    for (int i = 0; i < 2; ++i) {
      const Db& d = meta_.dbs[i];
      counts_ = Db{};
      free_tree_ = i == 0;
      what_ = free_tree_ ? "free-page tree" : "main tree";
      if (d.root != kNoPage) {
        if (auto r = walk(d.root, 1, d.depth, nullptr, nullptr); !r) return r.error();
      }
      if (counts_.branch != d.branch || counts_.leaf != d.leaf || counts_.overflow != d.overflow ||
          counts_.entries != d.entries) {
        return damaged(f_.path(), "the " + what_ + " has " + std::to_string(counts_.entries) +
                                      " entries in " +
                                      std::to_string(counts_.branch + counts_.leaf + counts_.overflow) +
                                      " pages, its meta says " + std::to_string(d.entries) + " in " +
                                      std::to_string(d.branch + d.leaf + d.overflow));
      }
      tree_pages_ += counts_.branch + counts_.leaf + counts_.overflow;
    }
    // Pages listed as free must be neither in use nor listed twice.
    for (uint64_t p : free_list_) {
      if (used_[p]) return damaged(f_.path(), "page " + std::to_string(p) + " is listed as free but in use");
      used_[p] = true;
    }
    auto c = summary(f_, meta_, ps_);
    c.tree_pages = tree_pages_;
    c.free_pages = free_list_.size();
    return c;
  }

 private:
  Error bad(uint64_t pgno, const std::string& what) const {
    return damaged(f_.path(), "page " + std::to_string(pgno) + " of the " + what_ + ": " + what);
  }

  Result<void> claim(uint64_t pgno, uint64_t from) {
    if (pgno < kMetaPages || pgno >= pages_)
      return bad(from,
                 "points to page " + std::to_string(pgno) + ", outside 2.." + std::to_string(pages_ - 1));
    if (used_[pgno])
      return bad(from, "points to page " + std::to_string(pgno) + ", which is reachable twice");
    used_[pgno] = true;
    return {};
  }

  // A key in an order where plain byte comparison is the tree's: the bytes as they are in the
  // main tree (a view into the page buffer, which outlives the walk below it), a big-endian copy
  // of the integer in the free-page tree (integer keys), kept in store.
  std::string_view ordered_key(const unsigned char* key, size_t size, std::string& store) const {
    if (!free_tree_ || size != sizeof(uint64_t)) return {reinterpret_cast<const char*>(key), size};
    uint64_t v = u64(key);
    store.assign(sizeof v, '\0');
    for (size_t i = 0; i < sizeof v; ++i)
      store[i] = static_cast<char>((v >> (8 * (sizeof v - 1 - i))) & 0xff);
    return store;
  }

  // low and high bound the keys of the subtree (low <= key < high; null: no bound), as the parent's
  // separators say.
  Result<void> walk(uint64_t pgno, unsigned depth, unsigned max_depth, const std::string_view* low,
                    const std::string_view* high) {
    if (auto r = claim(pgno, pgno); !r) return r.error();
    std::vector<unsigned char>& page = page_[depth];
    page.resize(ps_);
    if (auto r = f_.read(pgno * ps_, ps_, page.data(), "page " + std::to_string(pgno)); !r) return r.error();
    const unsigned char* p = page.data();
    if (u64(p) != pgno) return bad(pgno, "its header names page " + std::to_string(u64(p)));
    bool leaf = depth == max_depth;
    // Exactly the type: LMDB writes pages with their other flags clear, and a stray "dirty" bit
    // would make a writer modify the page in place, inside the read-only map.
    if (u16(p + 10) != (leaf ? kPageLeaf : kPageBranch))
      return bad(pgno, std::string("is not a ") + (leaf ? "leaf" : "branch") + " page where one belongs");
    (leaf ? counts_.leaf : counts_.branch)++;
    uint16_t lower = u16(p + 12), upper = u16(p + 14);
    if (lower < kPageHeader || (lower - kPageHeader) % 2 != 0 || upper < lower || upper > ps_)
      return bad(pgno, "impossible free-space bounds");
    size_t n = (lower - kPageHeader) / 2;
    if (n == 0) return bad(pgno, "holds no node");
    std::vector<std::string_view> keys(n);  // a branch's first key is unused (below all others)
    std::vector<std::string> integer_keys(free_tree_ ? n : 0);
    // LMDB keeps a page's nodes packed from upper to the end of the page (a writer moves them by
    // the sizes their headers give): they must tile that space exactly, no gap, no overlap.
    std::vector<std::pair<size_t, size_t>> extents(n);
    for (size_t i = 0; i < n; ++i) {
      size_t off = u16(p + kPageHeader + 2 * i);
      if (off < upper || off % 2 != 0 || off + kNodeHeader > ps_)
        return bad(pgno, "node offset out of bounds");
      uint16_t ksize = u16(p + off + 6);
      if (ksize > kMaxLmdbKeySize || off + kNodeHeader + ksize > ps_)
        return bad(pgno, "key size out of bounds");
      uint64_t dsize = !leaf                             ? 0
                       : u16(p + off + 4) & kNodeBigData ? sizeof(uint64_t)
                                                         : u16(p + off) | (uint64_t{u16(p + off + 2)} << 16);
      uint64_t size = kNodeHeader + ksize + dsize;
      if (size > ps_ - off) return bad(pgno, "data size out of bounds");
      extents[i] = {off, static_cast<size_t>(size + (size & 1))};
      if (!leaf && i == 0) continue;
      keys[i] = ordered_key(p + off + kNodeHeader, ksize, free_tree_ ? integer_keys[i] : scratch_);
      if ((low && keys[i] < *low) || (high && !(keys[i] < *high)))
        return bad(pgno, "a key outside its parent's range");
      if (i > (leaf ? 0u : 1u) && !(keys[i - 1] < keys[i])) return bad(pgno, "keys out of order");
    }
    std::sort(extents.begin(), extents.end());
    size_t at = upper;
    for (const auto& [off, size] : extents) {
      if (off != at) return bad(pgno, "nodes overlap or leave a gap");
      at = off + size;
    }
    if (at != ps_) return bad(pgno, "nodes overlap or leave a gap");
    for (size_t i = 0; i < n; ++i) {
      size_t off = u16(p + kPageHeader + 2 * i);
      if (off < upper || off % 2 != 0 || off + kNodeHeader > ps_)
        return bad(pgno, "node offset out of bounds");
      const unsigned char* node = p + off;
      uint16_t lo = u16(node), hi = u16(node + 2), flags = u16(node + 4), ksize = u16(node + 6);
      if (ksize > kMaxLmdbKeySize || off + kNodeHeader + ksize > ps_)
        return bad(pgno, "key size out of bounds");
      if (free_tree_ && ksize != sizeof(uint64_t) && (leaf || i > 0))
        return bad(pgno, "a key that is not a transaction id");
      if (!leaf) {
        uint64_t child = lo | (uint64_t{hi} << 16) | (uint64_t{flags} << 32);
        if (child < kMetaPages || child >= pages_)
          return bad(
              pgno, "points to page " + std::to_string(child) + ", outside 2.." + std::to_string(pages_ - 1));
        const std::string_view* child_low = i == 0 ? low : &keys[i];
        const std::string_view* child_high = i + 1 < n ? &keys[i + 1] : high;
        if (auto r = walk(child, depth + 1, max_depth, child_low, child_high); !r) return r.error();
        continue;
      }
      counts_.entries++;
      uint64_t dsize = lo | (uint64_t{hi} << 16);
      size_t data_off = off + kNodeHeader + ksize;
      std::vector<unsigned char> big;
      const unsigned char* data = nullptr;
      if (flags == 0) {
        if (data_off + dsize > ps_) return bad(pgno, "data size out of bounds");
        data = p + data_off;
      } else if (flags == kNodeBigData) {
        if (data_off + sizeof(uint64_t) > ps_) return bad(pgno, "overflow reference out of bounds");
        auto r = overflow(pgno, u64(p + data_off), dsize, free_tree_ ? &big : nullptr);
        if (!r) return r.error();
        data = big.data();
      } else {
        return bad(pgno, "a node with flags Postern never uses (" + std::to_string(flags) + ")");
      }
      if (free_tree_) {
        if (auto r = free_ids(pgno, data, dsize); !r) return r.error();
      }
    }
    return {};
  }

  // Checks the overflow run at first that holds dsize bytes; copies them to out when given.
  Result<void> overflow(uint64_t from, uint64_t first, uint64_t dsize, std::vector<unsigned char>* out) {
    if (auto r = claim(first, from); !r) return r.error();
    unsigned char head[kPageHeader];
    if (auto r = f_.read(first * ps_, kPageHeader, head, "page " + std::to_string(first)); !r)
      return r.error();
    if (u64(head) != first || u16(head + 10) != kPageOverflow)
      return bad(from, "its overflow page " + std::to_string(first) + " is not one");
    uint64_t count = u32(head + 12);
    if (count == 0 || count > pages_ - first)
      return bad(from, "its overflow run at page " + std::to_string(first) + " runs past the last page");
    if (count * ps_ - kPageHeader < dsize)
      return bad(from, "its overflow run at page " + std::to_string(first) + " is shorter than its data");
    for (uint64_t p = first + 1; p < first + count; ++p) {
      if (used_[p]) return bad(from, "its overflow run overlaps page " + std::to_string(p));
      used_[p] = true;
    }
    counts_.overflow += count;
    if (out) {
      out->resize(static_cast<size_t>(dsize));
      if (auto r = f_.read(first * ps_ + kPageHeader, out->size(), out->data(), "overflow data"); !r)
        return r.error();
    }
    return {};
  }

  // A free-page record: a count, then that many page numbers in descending order.
  Result<void> free_ids(uint64_t pgno, const unsigned char* data, uint64_t dsize) {
    if (dsize < sizeof(uint64_t) || dsize % sizeof(uint64_t) != 0)
      return bad(pgno, "a malformed free-page list");
    uint64_t n = u64(data);
    if (n > dsize / sizeof(uint64_t) - 1) return bad(pgno, "a free-page list longer than its record");
    uint64_t prev = kNoPage;
    for (uint64_t i = 1; i <= n; ++i) {
      uint64_t id = u64(data + i * sizeof(uint64_t));
      if (id < kMetaPages || id >= pages_) return bad(pgno, "a free page number out of range");
      if (id >= prev) return bad(pgno, "a free-page list out of order");
      prev = id;
      free_list_.push_back(id);
    }
    return {};
  }

  const File& f_;
  const Meta& meta_;
  uint64_t ps_, pages_;
  std::vector<bool> used_;
  std::vector<std::vector<unsigned char>> page_;  // one buffer per depth
  std::vector<uint64_t> free_list_;
  std::string scratch_;  // unused by main-tree keys (they are views)
  Db counts_;
  bool free_tree_ = false;
  std::string what_;
  uint64_t tree_pages_ = 0;
};

}  // namespace

std::string lmdb_data_file(const std::string& dir) { return dir + "/data.mdb"; }

Result<LmdbFileCheck> check_lmdb_file(const std::string& data_file) {
  File f(data_file);
  auto opened = f.open();
  if (!opened) return opened.error();
  if (!*opened || f.size() == 0) return LmdbFileCheck{};  // LMDB creates a new store here
  auto metas = read_metas(f);
  if (!metas) return metas.error();
  const Meta& m = newest(*metas);
  if (auto p = size_problem(f, m, metas->page_size); !p.empty()) return damaged(data_file, p);
  return summary(f, m, metas->page_size);
}

Result<LmdbFileCheck> verify_lmdb_env(MDB_env* env, const std::string& data_file) {
  // The snapshot's meta page is rewritten two commits later, so a busy writer elsewhere can make
  // the read below miss it: then try again with a newer snapshot.
  constexpr int kAttempts = 20;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn);
    if (rc != 0) return Error::temp(data_file + ": cannot begin a read transaction: " + mdb_strerror(rc));
    struct Abort {
      MDB_txn* t;
      ~Abort() { mdb_txn_abort(t); }
    } abort_at_exit{txn};
    uint64_t txnid = mdb_txn_id(txn);
    File f(data_file);
    auto opened = f.open();
    if (!opened) return opened.error();
    if (!*opened) return Error::temp(data_file + ": the file disappeared while being checked");
    auto metas = read_metas(f);
    if (!metas) return metas.error();
    const Meta* m = nullptr;
    for (const auto& candidate : metas->meta)
      if (candidate.txnid == txnid) m = &candidate;
    if (!m) continue;
    if (auto p = size_problem(f, *m, metas->page_size); !p.empty()) return damaged(data_file, p);
    return Walker(f, *m, metas->page_size).run();
  }
  return Error::temp(data_file + ": the store changed too fast to be checked; try again");
}

Result<LmdbFileCheck> verify_lmdb_copy(const std::string& data_file) {
  File f(data_file);
  auto opened = f.open();
  if (!opened) return opened.error();
  if (!*opened || f.size() == 0) return LmdbFileCheck{};
  auto metas = read_metas(f);
  if (!metas) return metas.error();
  const Meta& m = newest(*metas);
  if (auto p = size_problem(f, m, metas->page_size); !p.empty()) return damaged(data_file, p);
  return Walker(f, m, metas->page_size).run();
}

Result<LmdbFileCheck> verify_lmdb_dir(const std::string& dir) {
  std::string file = lmdb_data_file(dir);
  auto first = check_lmdb_file(file);
  if (!first || !first->exists) return first;
  MDB_env* env = nullptr;
  int rc = mdb_env_create(&env);
  if (rc != 0) return Error::temp(std::string("lmdb env_create: ") + mdb_strerror(rc));
  struct Close {
    MDB_env* e;
    ~Close() { mdb_env_close(e); }
  } close_at_exit{env};
  mdb_env_set_maxreaders(env, 256);
  // A map of the file's own size: nothing beyond the end of the file is mapped.
  rc = mdb_env_set_mapsize(env, static_cast<size_t>(first->pages * first->page_size));
  if (rc == 0) rc = mdb_env_open(env, dir.c_str(), MDB_RDONLY | MDB_NOTLS, 0660);
  if (rc != 0) return Error::temp(file + ": cannot open: " + mdb_strerror(rc));
  return verify_lmdb_env(env, file);
}

}  // namespace postern
