// The stored record format and counter parsing.
#include "common/store/record.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

TEST(Record, RoundTrips) {
  auto enc = encode_record(std::string("v\0x", 3), 1767225600);
  auto dec = decode_record(enc);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->expires_at, 1767225600);
  EXPECT_EQ(dec->value, std::string_view("v\0x", 3));
}

TEST(Record, RejectsShortAndForeignRecords) {
  EXPECT_FALSE(decode_record("").ok());
  EXPECT_FALSE(decode_record(std::string(8, '\1')).ok());
  EXPECT_FALSE(decode_record(std::string("\x02") + std::string(8, '\0')).ok());
  EXPECT_FALSE(decode_record(std::string("\x01\xff") + std::string(7, '\0')).ok());  // negative expiry
}

TEST(Record, CounterParsing) {
  int64_t v = 0;
  EXPECT_TRUE(parse_counter("42", v));
  EXPECT_EQ(v, 42);
  EXPECT_TRUE(parse_counter("-7", v));
  EXPECT_FALSE(parse_counter("", v));
  EXPECT_FALSE(parse_counter("4 2", v));
  EXPECT_FALSE(parse_counter("1e3", v));
  EXPECT_FALSE(parse_counter("99999999999999999999", v));
}

}  // namespace
}  // namespace postern
