// Implements gzip_compress and gunzip_bounded. Contract in gzip.h.
#include "tools/posternctl/dmarc_report/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <memory>
#include <optional>

namespace postern {

Result<std::string> gzip_compress(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: a gzip header and trailer; deflateInit2 writes mtime 0 and no name.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return Error::perm("zlib: deflateInit2 failed");
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Error::perm("zlib: deflate failed");
  out.resize(n);
  return out;
}

bool looks_gzipped(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

Result<size_t> gunzip_stream(std::string_view gz, size_t max_out, size_t max_ratio, const InflateSink& sink) {
  if (!looks_gzipped(gz)) return Error::perm("not gzip data");
  const size_t ratio = std::max<size_t>(max_ratio, 1);
  const size_t limit = gz.size() > max_out / ratio ? max_out : std::min(max_out, gz.size() * ratio);
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return Error::perm("zlib: inflateInit2 failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  std::unique_ptr<char[]> buf(new char[kInflateChunkBytes]);
  size_t total = 0;
  std::optional<Error> refused;  // the sink's error: it gets nothing more
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    z.next_out = reinterpret_cast<Bytef*>(buf.get());
    z.avail_out = static_cast<uInt>(kInflateChunkBytes);
    rc = inflate(&z, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&z);
      if (rc == Z_BUF_ERROR) return Error::perm("gzip data is truncated");
      return Error::perm(std::string("gzip data is corrupt") + (z.msg ? std::string(": ") + z.msg : ""));
    }
    size_t got = kInflateChunkBytes - z.avail_out;
    if (got > limit - total) {
      inflateEnd(&z);
      return Error::perm("gzip data expands beyond " + std::to_string(limit) +
                         " bytes (limit: " + std::to_string(max_out) + " bytes, " +
                         std::to_string(max_ratio) + " times the input)");
    }
    total += got;
    if (got > 0 && !refused) {
      if (auto s = sink(std::string_view(buf.get(), got)); !s) refused = s.error();
    }
    if (rc == Z_OK && z.avail_in == 0 && got == 0) {
      inflateEnd(&z);
      return Error::perm("gzip data is truncated");
    }
  }
  size_t rest = z.avail_in;
  inflateEnd(&z);
  if (rest != 0) return Error::perm("data after the gzip stream");
  if (refused) return *refused;
  return total;
}

Result<std::string> gunzip_bounded(std::string_view gz, size_t max_out, size_t max_ratio) {
  std::string out;
  auto n = gunzip_stream(gz, max_out, max_ratio, [&](std::string_view piece) -> Result<void> {
    out.append(piece);
    return ok();
  });
  if (!n) return n.error();
  return out;
}

}  // namespace postern
