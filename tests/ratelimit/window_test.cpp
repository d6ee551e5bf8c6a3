// Tests the sliding window's buckets and counter keys (common/ratelimit/window.h) and the
// quantity parsers they are configured with (common/core/quantity.h).
#include "common/ratelimit/window.h"

#include <gtest/gtest.h>

#include "common/core/quantity.h"
#include "common/store/store.h"

namespace postern {
namespace {

TEST(RateWindow, BucketsCoverExactlyTheWindowEndingNow) {
  // 1h window: 6-minute buckets. At t = 7200 (bucket 20 starts), (3600, 7200] is buckets 10..20.
  EXPECT_EQ(bucket_seconds(3600), 360);
  EXPECT_EQ(first_bucket(3600, 7200), 10);
  EXPECT_EQ(current_bucket(3600, 7200), 20);
  // One second later the oldest second is 3602, still in bucket 10.
  EXPECT_EQ(first_bucket(3600, 7201), 10);
  // At 7560 (bucket 21) the oldest second is 3961: bucket 11.
  EXPECT_EQ(first_bucket(3600, 7560), 11);
  // Windows shorter than the bucket count use one-second buckets.
  EXPECT_EQ(bucket_seconds(5), 1);
  EXPECT_EQ(first_bucket(5, 100), 96);
  EXPECT_EQ(current_bucket(5, 100), 100);
}

TEST(RateWindow, CounterKeysReadBackWhateverTheSubjectHolds) {
  for (std::string subject : {std::string("alice@example.org"), std::string("we:ird:login"),
                              std::string("a b"), std::string("\x01\xff", 2)}) {
    auto key = counter_key(LimitBy::login, subject, 3600, LimitMetric::recipients, 4242);
    auto k = parse_counter_key(key);
    ASSERT_TRUE(k) << key;
    EXPECT_EQ(k->by, LimitBy::login);
    EXPECT_EQ(k->subject, subject);
    EXPECT_EQ(k->window, 3600);
    EXPECT_EQ(k->metric, LimitMetric::recipients);
    EXPECT_EQ(k->bucket, 4242);
  }
  EXPECT_EQ(counter_key(LimitBy::sender_domain, "example.org", 86400, LimitMetric::messages, 7),
            "rl:c:sender_domain:example.org:86400:m:7");
  for (const char* bad : {"rl:c:login:alice:3600:m:", "rl:c:login::3600:m:1", "rl:c:nobody:a:3600:m:1",
                          "rl:c:login:a:3600:x:1", "rl:c:login:a:0:m:1", "gl:t:x", "rl:c:login:a:-5:m:1"}) {
    EXPECT_FALSE(parse_counter_key(bad)) << bad;
  }
}

TEST(RateWindow, LongSubjectsAreCutAndTaggedSoKeysStayWithinTheStoreLimit) {
  std::string a(5000, 'a'), b = a;
  b.back() = 'b';
  EXPECT_EQ(key_subject(a).size(), kMaxKeySubject);
  EXPECT_NE(key_subject(a), key_subject(b));
  EXPECT_LE(counter_key(LimitBy::sender_domain, a, kMaxLimitWindow, LimitMetric::bytes, INT64_MAX).size(),
            Store::kMaxKeySize);
}

TEST(Quantity, ByteSizesAndDurations) {
  EXPECT_EQ(parse_byte_size("200M"), int64_t{200} << 20);
  EXPECT_EQ(parse_byte_size("1k"), 1024);
  EXPECT_EQ(parse_byte_size("1048576"), 1048576);
  EXPECT_EQ(parse_duration_seconds("90s"), 90);
  EXPECT_EQ(parse_duration_seconds("1h"), 3600);
  EXPECT_EQ(parse_duration_seconds("2w"), 14 * 86400);
  EXPECT_EQ(parse_duration_seconds("30"), 30);
  for (const char* bad :
       {"", "M", "-1", "1.5h", "1 h", "1hh", "99999999999999999999", "9999999999999999T", "1y", "+5"}) {
    EXPECT_FALSE(parse_byte_size(bad) && parse_duration_seconds(bad)) << bad;
  }
  EXPECT_FALSE(parse_byte_size("9000000T"));
  EXPECT_EQ(render_duration_seconds(3600), "1h");
  EXPECT_EQ(render_duration_seconds(90), "90s");
  EXPECT_EQ(render_duration_seconds(86400), "1d");
  EXPECT_EQ(render_byte_size(int64_t{200} << 20), "200M");
  EXPECT_EQ(render_byte_size(1000), "1000");
}

}  // namespace
}  // namespace postern
