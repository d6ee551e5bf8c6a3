// unzip_report: the report file inside an untrusted .zip (what some receivers send instead of
// gzip) -> its bytes. Reads the central directory (at most kMaxZipEntries entries), takes the
// first entry whose name ends in ".xml" (else the first file entry), finds its local header, and
// stores (method 0) or inflates (method 8, raw deflate through zlib) it: the output stops with an
// error beyond max_out bytes or max_ratio times the compressed size (zip bombs), and must match the
// declared size and CRC-32. Encrypted entries, zip64, multi-disk archives and other methods are
// errors saying so. Pure function; every offset and length is checked against the data.
// unzip_report_stream hands the entry's bytes to a sink in pieces of at most kInflateChunkBytes as
// they are inflated (gzip.h's contract: a refusing sink gets no more, the rest is inflated and
// discarded so bombs and damage are named first; size and CRC are checked at the end, after the
// sink saw everything); unzip_report collects them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/core/result.h"
#include "tools/posternctl/dmarc_report/gzip.h"

namespace postern {

inline constexpr size_t kMaxZipEntries = 64;

Result<size_t> unzip_report_stream(std::string_view zip, size_t max_out, size_t max_ratio,
                                   const InflateSink& sink);
Result<std::string> unzip_report(std::string_view zip, size_t max_out, size_t max_ratio);
bool looks_zipped(std::string_view data);  // starts with a local file header "PK\3\4"

}  // namespace postern
