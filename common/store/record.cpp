// Implements the stored record format. Contract in record.h.
#include "common/store/record.h"

#include <charconv>

namespace postern {

std::string encode_record(std::string_view value, int64_t expires_at) {
  std::string out;
  out.reserve(kRecordHeader + value.size());
  out.push_back(static_cast<char>(kRecordFormat));
  uint64_t e = static_cast<uint64_t>(expires_at);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((e >> shift) & 0xff));
  out.append(value);
  return out;
}

Result<DecodedRecord> decode_record(std::string_view bytes) {
  if (bytes.size() < kRecordHeader) return Error::perm("stored record too short");
  if (static_cast<uint8_t>(bytes[0]) != kRecordFormat) return Error::perm("unknown stored record format");
  uint64_t e = 0;
  for (size_t i = 1; i < kRecordHeader; ++i) e = (e << 8) | static_cast<uint8_t>(bytes[i]);
  DecodedRecord r;
  r.expires_at = static_cast<int64_t>(e);
  if (r.expires_at < 0) return Error::perm("stored record has a negative expiry");
  r.value = bytes.substr(kRecordHeader);
  return r;
}

bool parse_counter(std::string_view text, int64_t& out) {
  if (text.empty() || text.size() > 20) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace postern
