// Implements unzip_report. Contract in zip.h.
#include "tools/posternctl/dmarc_report/zip.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "common/core/ascii.h"

namespace postern {
namespace {

uint32_t le(std::string_view d, size_t at, size_t n) {
  uint32_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(d[at + i])) << (8 * i);
  return v;
}

constexpr size_t kEocdSize = 22;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;

}  // namespace

bool looks_zipped(std::string_view d) {
  return d.size() >= 4 && d.substr(0, 4) == std::string_view("PK\x03\x04", 4);
}

Result<size_t> unzip_report_stream(std::string_view zip, size_t max_out, size_t max_ratio,
                                   const InflateSink& sink) {
  if (zip.size() < kEocdSize) return Error::perm("zip: too short");
  // The end of central directory record: in the last 22 + 65535 (comment) bytes.
  size_t eocd = std::string_view::npos;
  size_t lowest = zip.size() > kEocdSize + 65535 ? zip.size() - kEocdSize - 65535 : 0;
  for (size_t i = zip.size() - kEocdSize + 1; i-- > lowest;) {
    if (le(zip, i, 4) == 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd == std::string_view::npos) return Error::perm("zip: no end of central directory");
  if (le(zip, eocd + 4, 2) != 0 || le(zip, eocd + 6, 2) != 0)
    return Error::perm("zip: multi-disk archives are not read");
  size_t entries = le(zip, eocd + 10, 2);
  size_t cd_size = le(zip, eocd + 12, 4);
  size_t cd_at = le(zip, eocd + 16, 4);
  if (entries == 0xffff || cd_at == 0xffffffff) return Error::perm("zip: zip64 archives are not read");
  if (entries == 0) return Error::perm("zip: empty archive");
  if (entries > kMaxZipEntries)
    return Error::perm("zip: more than " + std::to_string(kMaxZipEntries) + " entries");
  if (cd_at > eocd || cd_size > eocd - cd_at) return Error::perm("zip: central directory outside the file");
  struct Entry {
    std::string name;
    uint32_t method, crc, csize, usize, local, flags;
  };
  std::vector<Entry> list;
  size_t p = cd_at;
  for (size_t i = 0; i < entries; ++i) {
    if (p + kCentralSize > eocd || le(zip, p, 4) != 0x02014b50)
      return Error::perm("zip: bad central directory entry");
    Entry e;
    e.flags = le(zip, p + 8, 2);
    e.method = le(zip, p + 10, 2);
    e.crc = le(zip, p + 16, 4);
    e.csize = le(zip, p + 20, 4);
    e.usize = le(zip, p + 24, 4);
    size_t name_len = le(zip, p + 28, 2), extra = le(zip, p + 30, 2), comment = le(zip, p + 32, 2);
    e.local = le(zip, p + 42, 4);
    if (p + kCentralSize + name_len + extra + comment > eocd)
      return Error::perm("zip: bad central directory entry");
    e.name = std::string(zip.substr(p + kCentralSize, name_len));
    p += kCentralSize + name_len + extra + comment;
    if (!e.name.empty() && e.name.back() == '/') continue;  // a directory
    list.push_back(std::move(e));
  }
  if (list.empty()) return Error::perm("zip: no file in the archive");
  auto pick = std::find_if(list.begin(), list.end(),
                           [](const Entry& e) { return ascii_lower(e.name).ends_with(".xml"); });
  const Entry& e = pick != list.end() ? *pick : list.front();
  if (e.flags & 1) return Error::perm("zip: encrypted entry");
  if (e.csize == 0xffffffff || e.usize == 0xffffffff || e.local == 0xffffffff)
    return Error::perm("zip: zip64 entry");
  const size_t ratio = std::max<size_t>(max_ratio, 1);
  const size_t limit =
      e.csize > max_out / ratio ? max_out : std::min(max_out, static_cast<size_t>(e.csize) * ratio);
  if (e.usize > limit)
    return Error::perm("zip: " + e.name.substr(0, 64) + " declares " + std::to_string(e.usize) +
                       " bytes, over the limit of " + std::to_string(limit) + " (" + std::to_string(max_out) +
                       " bytes, " + std::to_string(max_ratio) + " times its compressed size)");
  if (e.local > zip.size() || zip.size() - e.local < kLocalSize || le(zip, e.local, 4) != 0x04034b50)
    return Error::perm("zip: bad local header");
  size_t data_at = e.local + kLocalSize + le(zip, e.local + 26, 2) + le(zip, e.local + 28, 2);
  if (data_at > zip.size() || zip.size() - data_at < e.csize)
    return Error::perm("zip: entry data outside the file");
  std::string_view data = zip.substr(data_at, e.csize);
  size_t total = 0;
  uLong crc = crc32(0, nullptr, 0);
  std::optional<Error> refused;
  auto take = [&](std::string_view piece) {
    total += piece.size();
    crc = crc32(crc, reinterpret_cast<const Bytef*>(piece.data()), static_cast<uInt>(piece.size()));
    if (!refused && !piece.empty()) {
      if (auto s = sink(piece); !s) refused = s.error();
    }
  };
  if (e.method == 0) {
    if (data.size() > limit)
      return Error::perm("zip: " + e.name.substr(0, 64) + " is larger than " + std::to_string(limit) +
                         " bytes");
    for (size_t at = 0; at < data.size(); at += kInflateChunkBytes) take(data.substr(at, kInflateChunkBytes));
  } else if (e.method == 8) {
    z_stream z{};
    if (inflateInit2(&z, -15) != Z_OK) return Error::perm("zlib: inflateInit2 failed");
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    z.avail_in = static_cast<uInt>(data.size());
    std::unique_ptr<char[]> buf(new char[kInflateChunkBytes]);
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      z.next_out = reinterpret_cast<Bytef*>(buf.get());
      z.avail_out = static_cast<uInt>(kInflateChunkBytes);
      rc = inflate(&z, Z_NO_FLUSH);
      size_t got = kInflateChunkBytes - z.avail_out;
      if (rc != Z_OK && rc != Z_STREAM_END) {
        inflateEnd(&z);
        return Error::perm(rc == Z_BUF_ERROR ? "zip: entry data is truncated" : "zip: entry data is corrupt");
      }
      if (got > limit - total) {
        inflateEnd(&z);
        return Error::perm("zip: " + e.name.substr(0, 64) + " expands beyond " + std::to_string(limit) +
                           " bytes");
      }
      take(std::string_view(buf.get(), got));
      if (rc == Z_OK && got == 0 && z.avail_in == 0) {
        inflateEnd(&z);
        return Error::perm("zip: entry data is truncated");
      }
    }
    inflateEnd(&z);
  } else {
    return Error::perm("zip: compression method " + std::to_string(e.method) + " is not read");
  }
  if (total != e.usize) return Error::perm("zip: entry size does not match the directory");
  if (crc != e.crc) return Error::perm("zip: CRC-32 mismatch");
  if (refused) return *refused;
  return total;
}

Result<std::string> unzip_report(std::string_view zip, size_t max_out, size_t max_ratio) {
  std::string out;
  auto n = unzip_report_stream(zip, max_out, max_ratio, [&](std::string_view piece) -> Result<void> {
    out.append(piece);
    return ok();
  });
  if (!n) return n.error();
  return out;
}

}  // namespace postern
