// gzip (RFC 1952) through zlib. gzip_compress: bytes -> a gzip member with no file name and mtime 0,
// so the same report gives the same bytes. gunzip_bounded: an untrusted gzip stream -> its bytes,
// refusing more than max_out bytes of output and more than max_ratio times the input size (gzip
// bombs stop there, after at most max_out bytes were produced); a truncated or corrupt stream is
// an error, and so is data after the first member. Pure functions; errors are permanent.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

Result<std::string> gzip_compress(std::string_view data);
Result<std::string> gunzip_bounded(std::string_view gz, size_t max_out, size_t max_ratio);
// True when data starts with the gzip magic bytes.
bool looks_gzipped(std::string_view data);

}  // namespace postern
