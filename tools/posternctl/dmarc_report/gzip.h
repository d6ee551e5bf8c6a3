// gzip (RFC 1952) through zlib. gzip_compress: bytes -> a gzip member with no file name and mtime 0,
// so the same report gives the same bytes. gunzip_stream: an untrusted gzip stream -> its bytes,
// handed to a sink in pieces of at most kInflateChunkBytes as they are inflated (memory: zlib's
// window and one piece), refusing more than max_out bytes of output and more than max_ratio times
// the input size (gzip bombs stop there, after at most max_out bytes were produced); a truncated
// or corrupt stream is an error, and so is data after the first member. When the sink refuses a
// piece it gets no more, but the rest is still inflated (within the same limits) and discarded,
// so that a bomb or a damaged stream is named as such rather than as the sink's error.
// gunzip_bounded collects the pieces into one string. Pure functions; errors are permanent.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

Result<std::string> gzip_compress(std::string_view data);
inline constexpr size_t kInflateChunkBytes = 64 * 1024;

using InflateSink = std::function<Result<void>(std::string_view piece)>;
// The number of bytes inflated.
Result<size_t> gunzip_stream(std::string_view gz, size_t max_out, size_t max_ratio, const InflateSink& sink);
Result<std::string> gunzip_bounded(std::string_view gz, size_t max_out, size_t max_ratio);
// True when data starts with the gzip magic bytes.
bool looks_gzipped(std::string_view data);

}  // namespace postern
