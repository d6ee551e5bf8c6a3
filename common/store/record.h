// The stored form of one value: a format byte, the expiry as 8 bytes big-endian unix seconds
// (0 = never), then the value bytes. Used by the LMDB and Redis backends. decode_record trusts
// nothing: a short record or an unknown format byte is an error (the entry is treated as absent
// and logged by the caller), never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/core/result.h"

namespace postern {

inline constexpr uint8_t kRecordFormat = 1;
inline constexpr size_t kRecordHeader = 9;

struct DecodedRecord {
  int64_t expires_at = 0;
  std::string_view value;  // points into the input
};

std::string encode_record(std::string_view value, int64_t expires_at);
Result<DecodedRecord> decode_record(std::string_view bytes);
// True when an entry with this expiry is dead at unix time now.
inline bool record_expired(int64_t expires_at, int64_t now) { return expires_at != 0 && expires_at <= now; }
// Parses a counter value: an optional '-' and 1..19 digits, nothing else.
bool parse_counter(std::string_view text, int64_t& out);

}  // namespace postern
