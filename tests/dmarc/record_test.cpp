// DMARC record parser: every tag, RFC 7489 compatibility (pct -> t), case rules, invalid p with and
// without rua, duplicates, unknown tags, limits.
#include "common/dmarc/record.h"

#include <gtest/gtest.h>

namespace postern {
namespace {

DmarcRecord ok(std::string_view text) {
  auto r = parse_dmarc_record(text);
  EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : DmarcRecord{};
}

std::string err(std::string_view text) {
  auto r = parse_dmarc_record(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.error().message;
}

TEST(DmarcRecord, DefaultsOfAMinimalRecord) {
  auto r = ok("v=DMARC1; p=none");
  EXPECT_EQ(r.p, DmarcPolicy::none);
  EXPECT_FALSE(r.p_implied);
  EXPECT_FALSE(r.sp);
  EXPECT_FALSE(r.np);
  EXPECT_EQ(r.psd, DmarcPsd::unset);
  EXPECT_FALSE(r.testing);
  EXPECT_EQ(r.adkim, DmarcAlign::relaxed);
  EXPECT_EQ(r.aspf, DmarcAlign::relaxed);
  EXPECT_TRUE(r.rua.empty());
  EXPECT_TRUE(r.ruf.empty());
  EXPECT_EQ(r.fo, "0");
  EXPECT_FALSE(r.pct);
  EXPECT_FALSE(r.ri);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(DmarcRecord, EveryTag) {
  auto r =
      ok("v=DMARC1; p=quarantine; sp=reject; np=none; psd=y; t=y; adkim=s; aspf=s; "
         "rua=mailto:agg@example.org,mailto:agg2@example.net!10m; ruf=mailto:f@example.org; fo=1:d:s; "
         "rf=afrf; ri=3600; pct=50");
  EXPECT_EQ(r.p, DmarcPolicy::quarantine);
  EXPECT_EQ(r.sp, DmarcPolicy::reject);
  EXPECT_EQ(r.np, DmarcPolicy::none);
  EXPECT_EQ(r.psd, DmarcPsd::yes);
  EXPECT_TRUE(r.testing);  // t wins over pct
  EXPECT_TRUE(r.t_given);
  EXPECT_EQ(r.adkim, DmarcAlign::strict);
  EXPECT_EQ(r.aspf, DmarcAlign::strict);
  EXPECT_EQ(r.rua, (std::vector<std::string>{"mailto:agg@example.org", "mailto:agg2@example.net!10m"}));
  EXPECT_EQ(r.ruf, (std::vector<std::string>{"mailto:f@example.org"}));
  EXPECT_EQ(r.fo, "1:d:s");
  EXPECT_EQ(r.rf, "afrf");
  EXPECT_EQ(r.ri, 3600u);
  EXPECT_EQ(r.pct, 50);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_EQ(ok("v=DMARC1; p=reject; psd=n").psd, DmarcPsd::no);
  EXPECT_EQ(ok("v=DMARC1; p=reject; psd=u").psd, DmarcPsd::unset);
  EXPECT_FALSE(ok("v=DMARC1; p=reject; t=n").testing);
  EXPECT_EQ(ok("v=DMARC1; p=reject; adkim=r; aspf=r").adkim, DmarcAlign::relaxed);
}

TEST(DmarcRecord, Rfc7489PctMapsToTestMode) {
  EXPECT_TRUE(ok("v=DMARC1; p=reject; pct=0").testing);
  EXPECT_FALSE(ok("v=DMARC1; p=reject; pct=100").testing);
  EXPECT_FALSE(ok("v=DMARC1; p=reject; pct=20").testing);
  EXPECT_FALSE(ok("v=DMARC1; p=reject; pct=0; t=n").testing);
  auto bad = ok("v=DMARC1; p=reject; pct=101");
  EXPECT_FALSE(bad.pct);
  EXPECT_FALSE(bad.testing);
  EXPECT_EQ(bad.warnings.size(), 1u);
}

TEST(DmarcRecord, CaseAndSpacing) {
  auto r = ok("V = DMARC1 ;P=Reject;\tSP = QUARANTINE ; ADKIM=S ;");
  EXPECT_EQ(r.p, DmarcPolicy::reject);
  EXPECT_EQ(r.sp, DmarcPolicy::quarantine);
  EXPECT_EQ(r.adkim, DmarcAlign::strict);
  EXPECT_EQ(ok("v=DMARC1;p=reject;;").p, DmarcPolicy::reject);
  // The version value is case-sensitive in both RFCs' ABNF.
  EXPECT_FALSE(is_dmarc_record("v=dmarc1; p=reject"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC2; p=reject"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC10; p=reject"));
  EXPECT_FALSE(is_dmarc_record("p=reject; v=DMARC1"));
  EXPECT_FALSE(is_dmarc_record("v=spf1 -all"));
  EXPECT_TRUE(is_dmarc_record("v=DMARC1"));
  EXPECT_TRUE(is_dmarc_record(" v=DMARC1 ; p=none"));
  EXPECT_NE(err("v=dmarc1; p=reject"), "");
  // URIs keep their case.
  EXPECT_EQ(ok("v=DMARC1; p=none; rua=mailto:Agg@Example.ORG").rua[0], "mailto:Agg@Example.ORG");
}

TEST(DmarcRecord, MissingOrInvalidPolicy) {
  // No usable p and no rua: not a policy record at all.
  EXPECT_EQ(err("v=DMARC1"), "no p tag and no valid rua");
  EXPECT_EQ(err("v=DMARC1; p=bogus"), "invalid p tag and no valid rua");
  EXPECT_NE(err("v=DMARC1; sp=reject"), "");
  EXPECT_NE(err("v=DMARC1; p=bogus; rua=not a uri"), "");
  // With a valid rua: acts as p=none.
  auto r = ok("v=DMARC1; p=bogus; rua=mailto:a@example.org");
  EXPECT_EQ(r.p, DmarcPolicy::none);
  EXPECT_TRUE(r.p_implied);
  auto r2 = ok("v=DMARC1; rua=mailto:a@example.org; sp=reject");
  EXPECT_EQ(r2.p, DmarcPolicy::none);
  EXPECT_TRUE(r2.p_implied);
  EXPECT_EQ(r2.sp, DmarcPolicy::reject);
}

TEST(DmarcRecord, BadOptionalValuesFallBackToDefaults) {
  auto r = ok("v=DMARC1; p=reject; psd=q; t=1; adkim=x; aspf=; fo=2; ri=-1");
  EXPECT_EQ(r.p, DmarcPolicy::reject);
  EXPECT_EQ(r.psd, DmarcPsd::unset);
  EXPECT_FALSE(r.testing);
  EXPECT_EQ(r.adkim, DmarcAlign::relaxed);
  EXPECT_EQ(r.aspf, DmarcAlign::relaxed);
  EXPECT_EQ(r.fo, "0");
  EXPECT_FALSE(r.ri);
  EXPECT_EQ(r.warnings.size(), 6u);
}

TEST(DmarcRecord, InvalidSpOrNpCountsLikeAnInvalidP) {
  EXPECT_EQ(err("v=DMARC1; p=reject; sp=maybe"), "invalid sp tag and no valid rua");
  EXPECT_EQ(err("v=DMARC1; p=reject; np=x"), "invalid np tag and no valid rua");
  auto r = ok("v=DMARC1; p=reject; sp=reject; np=x; rua=mailto:a@example.org");
  EXPECT_EQ(r.p, DmarcPolicy::none);
  EXPECT_TRUE(r.p_implied);
  EXPECT_EQ(r.sp, DmarcPolicy::reject);
  EXPECT_FALSE(r.np);
}

TEST(DmarcRecord, ReportUris) {
  auto r = ok("v=DMARC1; p=none; rua=mailto:a@example.org, bad uri ,https://r.example/agg,:x,mailto:b@x!5k");
  EXPECT_EQ(r.rua,
            (std::vector<std::string>{"mailto:a@example.org", "https://r.example/agg", "mailto:b@x!5k"}));
  EXPECT_EQ(r.warnings.size(), 2u);
  EXPECT_TRUE(ok("v=DMARC1; p=none; rua=mailto:a@x!big").rua.empty());
  std::string many = "v=DMARC1; p=none; rua=";
  for (size_t i = 0; i < kMaxReportUris + 3; ++i) many += "mailto:r" + std::to_string(i) + "@example.org,";
  EXPECT_EQ(ok(many).rua.size(), kMaxReportUris);
}

TEST(DmarcRecord, UnknownTagsAreIgnoredDuplicatesAreNot) {
  auto r = ok("v=DMARC1; p=reject; future=1; x_y=a b c");
  EXPECT_EQ(r.p, DmarcPolicy::reject);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_NE(err("v=DMARC1; p=none; p=reject").find("more than once"), std::string::npos);
  EXPECT_NE(err("v=DMARC1; p=none; P=reject").find("more than once"), std::string::npos);
  EXPECT_NE(err("v=DMARC1; p=none; v=DMARC1"), "");
  // A malformed tag is skipped, not fatal.
  auto m = ok("v=DMARC1; p=reject; junk; 9x=1");
  EXPECT_EQ(m.p, DmarcPolicy::reject);
  EXPECT_EQ(m.warnings.size(), 2u);
}

TEST(DmarcRecord, Limits) {
  std::string big = "v=DMARC1; p=none; x=" + std::string(kMaxDmarcRecordBytes, 'a');
  EXPECT_NE(err(big), "");
  std::string tags = "v=DMARC1; p=none";
  for (size_t i = 0; i < kMaxDmarcTags; ++i) tags += "; x" + std::to_string(i) + "=1";
  EXPECT_NE(err(tags), "");
  EXPECT_NE(err(std::string("v=DMARC1; p=re\0ject", 19)), "");
  EXPECT_NE(err(""), "");
}

}  // namespace
}  // namespace postern
